using System.CommandLine;
using Rocket.Cli.Commands.Shared;
using Rocket.Protocol;

namespace Rocket.Cli.Commands;

/// <summary>
/// <c>rocket cluster</c>: members as the seeds see them, the live brokers, and per broker group what the brokers publish
/// beside what the failover coordinator decided (asked at a seed's <c>/user/failover-proxy</c>).
/// </summary>
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
    /// <summary>One broker group (cluster and broker name) as the brokers publish it and as the failover coordinator decided it.</summary>
    /// <param name="Master">The group's master by role and epoch (null: none live); <paramref name="Epoch"/> the highest published.</param>
    /// <param name="DecidedEpoch">The coordinator's stored epoch for the group (null: no decision yet, or no coordinator answer).</param>
    /// <param name="DecidedMaster">The master it decided for that epoch (-1: the epoch is vacant).</param>
    /// <param name="Status">What the coordinator is doing about the group, in its words (e.g. "master live").</param>
    public sealed record GroupRow(string Cluster, string Name, long? Master, long Epoch, long[] Slaves, long? DecidedEpoch, long? DecidedMaster,
        string? Status);
    /// <summary>The coordinator's state; <paramref name="Error"/> says why it is unknown when no seed's coordinator answered.</summary>
    public sealed record FailoverRow(bool? Enabled, bool? Loaded, string? Error);
    public sealed record ClusterResult(MemberRow[] Members, BrokerRow[] Brokers, GroupRow[] Groups, FailoverRow Failover);

    public static Command Create()
    {
        var command = new Command("cluster", "Show cluster members (address, status, roles, reachable) and brokers");
        ClusterAction.Set(command, async (_, cli, _) =>
        {
            await using var client = cli.CreateClient();
            var view = await client.Admin.GetClusterViewAsync();
            var figures = (await client.Admin.GetBrokerStatsAsync()).ToDictionary(f => (f.BrokerName, f.BrokerId));
            var (failover, failoverRow) = await FailoverAsync(client.Admin);
            var result = new ClusterResult(
                view.Members.OrderBy(m => m.Address, StringComparer.Ordinal)
                    .Select(m => new MemberRow(m.Address, m.Status, m.Roles, m.Reachable)).ToArray(),
                view.Brokers.OrderBy(b => b.ClusterName, StringComparer.Ordinal).ThenBy(b => b.BrokerName, StringComparer.Ordinal).ThenBy(b => b.BrokerId)
                    .Select(b => new BrokerRow(b.ClusterName, b.BrokerName, b.BrokerId, b.MemberAddress, b.Topics.Length, b.IsHealthy, b.StoreProblem,
                        b.Role.Name(), b.Epoch, b.ReplicaLagBytes, BrokerFigures.Of(figures[(b.BrokerName, b.BrokerId)]))).ToArray(),
                Groups(view.Brokers, failover), failoverRow);
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
            WriteGroups(cli.Out, result);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The coordinator's state, or why it is unknown: the rest of the view is worth showing without it.</summary>
    private static async Task<(FailoverState? State, FailoverRow Row)> FailoverAsync(Rocket.Client.RocketAdmin admin)
    {
        try
        {
            var state = await admin.GetFailoverStateAsync();
            return (state, new FailoverRow(state.Enabled, state.Loaded, null));
        }
        catch (Rocket.Client.RocketClientException e)
        {
            return (null, new FailoverRow(null, null, e.Message));
        }
    }

    /// <summary>Every group live brokers publish or the coordinator knows, with both views side by side.</summary>
    private static GroupRow[] Groups(BrokerRecord[] brokers, FailoverState? failover)
    {
        var published = brokers.GroupBy(b => (b.ClusterName, b.BrokerName)).ToDictionary(g => g.Key, g => g.ToArray());
        var decided = (failover?.Groups ?? []).ToDictionary(g => (g.ClusterName, g.BrokerName));
        return published.Keys.Union(decided.Keys).OrderBy(k => k.ClusterName, StringComparer.Ordinal).ThenBy(k => k.BrokerName, StringComparer.Ordinal)
            .Select(key =>
            {
                var group = published.GetValueOrDefault(key) ?? [];
                var coordinator = decided.GetValueOrDefault(key);
                return new GroupRow(key.ClusterName, key.BrokerName, BrokerGroupRoles.MasterOf(group)?.BrokerId,
                    group.Length == 0 ? 0 : group.Max(b => b.Epoch), group.Where(b => !b.Role.IsMaster()).Select(b => b.BrokerId).Order().ToArray(),
                    coordinator?.Decision?.Epoch, coordinator?.Decision?.MasterBrokerId, coordinator?.Status);
            }).ToArray();
    }

    /// <summary>
    /// One line per broker group: every broker claiming a master role (two for a moment after a failover, until the old
    /// master hears it was replaced), slaves with their lag; then the coordinator's decision and status.
    /// </summary>
    private static void WriteGroups(TextWriter output, ClusterResult result)
    {
        output.WriteLine($"broker groups ({result.Groups.Length}):");
        foreach (var g in result.Groups)
        {
            var group = result.Brokers.Where(b => b.Cluster == g.Cluster && b.Name == g.Name).ToArray();
            var masters = group.Where(b => b.Role != "SLAVE").OrderByDescending(b => b.Epoch).ToArray();
            string master = masters.Length == 0 ? "NO MASTER" : string.Join(", ", masters.Select(m => $"master #{m.Id} {m.Role}"));
            string slaves = string.Join(", ", group.Where(b => b.Role == "SLAVE")
                .Select(s => $"#{s.Id} lag {(s.ReplicaLagBytes is { } lag ? $"{lag:N0} bytes" : "unknown")}"));
            output.WriteLine($"  {g.Cluster}/{g.Name}: {(group.Length == 0 ? "no live broker" : master)}, epoch {g.Epoch}" +
                             (group.Length == 0 ? "" : slaves.Length == 0 ? ", no slave" : $", slaves {slaves}"));
            string decision = g.DecidedEpoch is not { } epoch ? "no decision"
                : g.DecidedMaster is { } id && id >= 0 ? $"epoch {epoch} master #{id}" : $"epoch {epoch} vacant (no master)";
            output.WriteLine(result.Failover.Error is { } error ? $"      coordinator: unknown ({error})"
                : $"      coordinator: {decision}; {g.Status ?? "group not known to the coordinator"}");
        }
        if (result.Failover.Error is null && result.Failover.Enabled == false) output.WriteLine("  failover is disabled (rocket.failover.enable = off)");
        if (result.Failover.Error is null && result.Failover.Loaded == false)
            output.WriteLine("  the coordinator has not read its decisions from a majority yet: it decides nothing until it has");
    }
}
