using System.CommandLine;
using Rocket.Cli.Commands.Shared;

namespace Rocket.Cli.Commands;

/// <summary>
/// <c>rocket progress --group G</c>: per broker and queue, the broker's max offset, the group's committed offset (-1 when
/// never committed) and the lag; every queue of the topics the live members subscribe to, committed or not.
/// </summary>
public static class ProgressCommand
{
    public sealed record QueueRow(string Broker, string Topic, int QueueId, long BrokerOffset, long ConsumerOffset, long Lag);
    public sealed record ProgressReport(string Group, QueueRow[] Queues, long TotalLag);

    public static Command Create()
    {
        var group = new Option<string>("--group") { Description = "Consumer group", Required = true }.NameLike("group", 255);
        var command = new Command("progress", "Consumer group progress: broker offset, consumer offset and lag per queue") { group };
        ClusterAction.Set(command, async (parse, cli, _) =>
        {
            string name = parse.GetValue(group)!;
            await using var client = cli.CreateClient();
            var progress = await client.Admin.GetProgressAsync(name);
            var rows = progress
                .SelectMany(p => p.Queues.Select(q => new QueueRow(p.BrokerName, q.Topic, q.QueueId, q.BrokerOffset, q.ConsumerOffset,
                    Groups.GroupCommand.Lag(q.BrokerOffset, q.MinOffset, q.ConsumerOffset))))
                .OrderBy(r => r.Topic, StringComparer.Ordinal).ThenBy(r => r.Broker, StringComparer.Ordinal).ThenBy(r => r.QueueId)
                .ToArray();
            var report = new ProgressReport(name, rows, rows.Sum(r => r.Lag));
            if (rows.Length == 0) cli.Info($"group {name} has no live member and no committed offset on any live master");
            if (cli.Json)
            {
                cli.WriteJson(report);
                return ExitCodes.Ok;
            }
            cli.Out.WriteLine($"{"topic",-30} {"broker",-16} {"queue",5} {"broker offset",14} {"consumer offset",16} {"lag",10}");
            foreach (var r in rows)
                cli.Out.WriteLine($"{r.Topic,-30} {r.Broker,-16} {r.QueueId,5} {r.BrokerOffset,14:N0} {r.ConsumerOffset,16:N0} {r.Lag,10:N0}");
            cli.Out.WriteLine($"total lag {report.TotalLag:N0}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
