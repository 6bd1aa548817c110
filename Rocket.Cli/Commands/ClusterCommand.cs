using System.CommandLine;
using Rocket.Cli.Commands.Shared;

namespace Rocket.Cli.Commands;

/// <summary><c>rocket cluster</c>: members as the seeds see them, and the live brokers.</summary>
public static class ClusterCommand
{
    public sealed record MemberRow(string Address, string Status, string[] Roles, bool Reachable);
    /// <param name="Healthy">False while the broker's store refuses writes; <paramref name="Problem"/> then says why.</param>
    public sealed record BrokerRow(string Cluster, string Name, long Id, string Address, int Topics, bool Healthy, string? Problem);
    public sealed record ClusterResult(MemberRow[] Members, BrokerRow[] Brokers);

    public static Command Create()
    {
        var command = new Command("cluster", "Show cluster members (address, status, roles, reachable) and brokers");
        ClusterAction.Set(command, async (_, cli, _) =>
        {
            await using var client = cli.CreateClient();
            var view = await client.Admin.GetClusterViewAsync();
            var result = new ClusterResult(
                view.Members.OrderBy(m => m.Address, StringComparer.Ordinal)
                    .Select(m => new MemberRow(m.Address, m.Status, m.Roles, m.Reachable)).ToArray(),
                view.Brokers.OrderBy(b => b.ClusterName, StringComparer.Ordinal).ThenBy(b => b.BrokerName, StringComparer.Ordinal).ThenBy(b => b.BrokerId)
                    .Select(b => new BrokerRow(b.ClusterName, b.BrokerName, b.BrokerId, b.MemberAddress, b.Topics.Length, b.IsHealthy, b.StoreProblem)).ToArray());
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
                cli.Out.WriteLine($"  {b.Cluster}/{b.Name}/{b.Id,-3} {b.Address,-40} {b.Topics} topic(s)" +
                                  (b.Healthy ? "" : $"  UNHEALTHY: {b.Problem}"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
