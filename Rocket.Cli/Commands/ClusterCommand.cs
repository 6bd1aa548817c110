using System.CommandLine;
using Rocket.Cli.Commands.Shared;
using Rocket.Protocol;

namespace Rocket.Cli.Commands;

/// <summary><c>rocket cluster</c>: members as the seeds see them, and the live brokers.</summary>
public static class ClusterCommand
{
    public sealed record MemberRow(string Address, string Status, string[] Roles, bool Reachable);
    /// <param name="Healthy">False while the broker's store refuses writes; <paramref name="Problem"/> then says why.</param>
    /// <param name="Stats">Store disk use, commit-log offsets and message rates (see <see cref="BrokerFigures"/>).</param>
    /// <param name="Role">The broker's run-time role as it publishes it: ASYNC_MASTER, SYNC_MASTER or SLAVE.</param>
    /// <param name="Epoch">The broker group's epoch the broker is in (grows at every failover).</param>
    /// <param name="ReplicaLagBytes">A slave's distance behind its master in bytes as it last knew; null on a master.</param>
    public sealed record BrokerRow(string Cluster, string Name, long Id, string Address, int Topics, bool Healthy, string? Problem,
        string Role, long Epoch, long? ReplicaLagBytes, BrokerFigures Stats);
    public sealed record ClusterResult(MemberRow[] Members, BrokerRow[] Brokers);

    public static Command Create()
    {
        var command = new Command("cluster", "Show cluster members (address, status, roles, reachable) and brokers");
        ClusterAction.Set(command, async (_, cli, _) =>
        {
            await using var client = cli.CreateClient();
            var view = await client.Admin.GetClusterViewAsync();
            var figures = (await client.Admin.GetBrokerStatsAsync()).ToDictionary(f => (f.BrokerName, f.BrokerId));
            var result = new ClusterResult(
                view.Members.OrderBy(m => m.Address, StringComparer.Ordinal)
                    .Select(m => new MemberRow(m.Address, m.Status, m.Roles, m.Reachable)).ToArray(),
                view.Brokers.OrderBy(b => b.ClusterName, StringComparer.Ordinal).ThenBy(b => b.BrokerName, StringComparer.Ordinal).ThenBy(b => b.BrokerId)
                    .Select(b => new BrokerRow(b.ClusterName, b.BrokerName, b.BrokerId, b.MemberAddress, b.Topics.Length, b.IsHealthy, b.StoreProblem,
                        b.Role.Name(), b.Epoch, b.ReplicaLagBytes, BrokerFigures.Of(figures[(b.BrokerName, b.BrokerId)]))).ToArray());
            if (cli.Json)
            {
                cli.WriteJson(result);
                return ExitCodes.Ok;
            }
            cli.Out.WriteLine($"members ({result.Members.Length}):");
            foreach (var m in result.Members)
                cli.Out.WriteLine($"  {m.Address,-40} {m.Status,-8} {(m.Reachable ? "reachable" : "UNREACHABLE"),-11} [{string.Join(", ", m.Roles)}]");
            cli.Out.WriteLine($"brokers ({result.Brokers.Length}):");
            foreach (var b in result.Brokers)
            {
                cli.Out.WriteLine($"  {b.Cluster}/{b.Name}/{b.Id,-3} {b.Role,-12} epoch {b.Epoch,-3} {b.Address,-40} {b.Topics} topic(s)" +
                                  (b.ReplicaLagBytes is { } lag ? $", {lag:N0} bytes behind its master" : "") +
                                  (b.Healthy ? "" : $"  UNHEALTHY: {b.Problem}"));
                var f = b.Stats;
                cli.Out.WriteLine($"      store {BrokerFigures.Size(f.StoreBytes)} in {f.StoreDir}, disk free {BrokerFigures.Size(f.DiskFreeBytes)} of {BrokerFigures.Size(f.DiskTotalBytes)}, " +
                                  $"commit log max offset {f.CommitLogMaxOffset:N0}, last minute: in {f.InMsgsPerS:0.#} msgs/s, out {f.OutMsgsPerS:0.#} msgs/s");
            }
            WriteGroups(cli.Out, result.Brokers);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One line per broker group: its master (none while failover has not promoted a slave), slaves with their lag.</summary>
    private static void WriteGroups(TextWriter output, BrokerRow[] brokers)
    {
        var groups = brokers.GroupBy(b => (b.Cluster, b.Name)).ToArray();
        output.WriteLine($"broker groups ({groups.Length}):");
        foreach (var group in groups)
        {
            var masters = group.Where(b => b.Role != "SLAVE").OrderByDescending(b => b.Epoch).ToArray();
            string master = masters.Length == 0 ? "NO MASTER" : string.Join(", ", masters.Select(m => $"master #{m.Id} {m.Role}"));
            string slaves = string.Join(", ", group.Where(b => b.Role == "SLAVE")
                .Select(s => $"#{s.Id} lag {(s.ReplicaLagBytes is { } lag ? $"{lag:N0} bytes" : "unknown")}"));
            output.WriteLine($"  {group.Key.Cluster}/{group.Key.Name}: {master}, epoch {group.Max(b => b.Epoch)}" +
                             (slaves.Length == 0 ? ", no slave" : $", slaves {slaves}"));
        }
    }
}
