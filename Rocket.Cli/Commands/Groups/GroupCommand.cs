using System.CommandLine;
using Rocket.Cli.Commands.Shared;
using Rocket.Protocol;

namespace Rocket.Cli.Commands.Groups;

/// <summary>
/// <c>rocket group show --group G</c>: the group's members (RocketMQ's consumerConnection) and every queue of the topics
/// they subscribe to, committed or not (consumerProgress), with owner and last activity.
/// </summary>
public static class GroupCommand
{
    public sealed record SubscriptionRow(string Topic, string Expression, string Type);
    public sealed record MemberRow(string ClientId, string Address, string ConsumeModel, SubscriptionRow[] Subscriptions, string[] Brokers,
        DateTimeOffset LastHeartbeat);
    /// <param name="ConsumerOffset">-1 when the group never committed this queue.</param>
    /// <param name="LastConsumeTime">The group's last offset commit for the queue on its broker since that broker started (null: none).</param>
    public sealed record QueueRow(string Broker, string Topic, int QueueId, string? Owner, long MinOffset, long BrokerOffset, long ConsumerOffset,
        long Lag, DateTimeOffset? LastConsumeTime, DateTimeOffset? LastPullTime);
    public sealed record GroupReport(string Group, MemberRow[] Members, QueueRow[] Queues, long TotalLag);

    public static Command Create()
    {
        var group = new Command("group", "Consumer groups");
        group.Subcommands.Add(Show());
        return group;
    }

    private static Command Show()
    {
        var group = new Option<string>("--group") { Description = "Consumer group", Required = true }.NameLike("group", 255);
        var command = new Command("show", "Members (client id, address, subscriptions, consume model) and every queue: owner, offsets, lag, last consume time") { group };
        ClusterAction.Set(command, async (parse, cli, _) =>
        {
            string name = parse.GetValue(group)!;
            await using var client = cli.CreateClient();
            var details = await client.Admin.GetGroupDetailAsync(name);
            var report = Report(name, details);
            if (report.Members.Length == 0 && report.Queues.Length == 0)
            {
                cli.Error($"group {name} has no live member and no committed offset on any live master");
                return ExitCodes.Failed;
            }
            if (cli.Json)
            {
                cli.WriteJson(report);
                return ExitCodes.Ok;
            }
            cli.Out.WriteLine($"group {name}: {report.Members.Length} member(s)");
            foreach (var m in report.Members)
            {
                cli.Out.WriteLine($"  {m.ClientId}  {m.Address}  {m.ConsumeModel}  last heartbeat {m.LastHeartbeat:HH:mm:ss}  on {string.Join(", ", m.Brokers)}");
                foreach (var s in m.Subscriptions) cli.Out.WriteLine($"    {s.Topic}  {s.Type}  {s.Expression}");
            }
            cli.Out.WriteLine($"{"topic",-30} {"broker",-12} {"queue",5} {"owner",-30} {"broker offset",13} {"consumer offset",15} {"lag",8}  last consume");
            foreach (var q in report.Queues)
                cli.Out.WriteLine($"{q.Topic,-30} {q.Broker,-12} {q.QueueId,5} {q.Owner ?? "-",-30} {q.BrokerOffset,13:N0} {q.ConsumerOffset,15:N0} {q.Lag,8:N0}  " +
                                  (q.LastConsumeTime is { } t ? $"{t:yyyy-MM-dd'T'HH:mm:ss'Z'}" : "-"));
            cli.Out.WriteLine($"total lag {report.TotalLag:N0}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One row per member (merged over the brokers that know it) and per broker queue.</summary>
    public static GroupReport Report(string group, IReadOnlyList<GroupDetail> details)
    {
        var members = details.SelectMany(d => d.Members.Select(m => (d.BrokerName, Member: m)))
            .GroupBy(x => x.Member.ClientId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var latest = g.MaxBy(x => x.Member.LastHeartbeatTimestamp).Member;
                var subscriptions = latest.Subscriptions.Length > 0
                    ? latest.Subscriptions.Select(s => new SubscriptionRow(s.Topic, s.Expression, s.ExpressionType))
                    : latest.Topics.Select(t => new SubscriptionRow(t, "?", "?")); // a member that did not send its expressions
                return new MemberRow(latest.ClientId, latest.Address, latest.Model == MessageModel.Broadcasting ? "BROADCASTING" : "CLUSTERING",
                    subscriptions.OrderBy(s => s.Topic, StringComparer.Ordinal).ToArray(),
                    g.Select(x => x.BrokerName).Order(StringComparer.Ordinal).ToArray(),
                    DateTimeOffset.FromUnixTimeMilliseconds(latest.LastHeartbeatTimestamp));
            }).ToArray();
        var queues = details.SelectMany(d => d.Queues.Select(q => new QueueRow(d.BrokerName, q.Topic, q.QueueId, q.Owner, q.MinOffset, q.BrokerOffset,
                q.ConsumerOffset, Lag(q.BrokerOffset, q.MinOffset, q.ConsumerOffset), Time(q.LastCommitTimestamp), Time(q.LastPullTimestamp))))
            .OrderBy(r => r.Topic, StringComparer.Ordinal).ThenBy(r => r.Broker, StringComparer.Ordinal).ThenBy(r => r.QueueId).ToArray();
        return new GroupReport(group, members, queues, queues.Sum(q => q.Lag));
    }

    /// <summary>What is left to consume: from the committed offset, or from the queue's first message when never committed.</summary>
    public static long Lag(long brokerOffset, long minOffset, long consumerOffset) =>
        Math.Max(0, brokerOffset - (consumerOffset < 0 ? minOffset : Math.Max(minOffset, consumerOffset)));

    private static DateTimeOffset? Time(long unixMillis) => unixMillis > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(unixMillis) : null;
}
