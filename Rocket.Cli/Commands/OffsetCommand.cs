using System.CommandLine;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;
using Rocket.Protocol;

namespace Rocket.Cli.Commands;

/// <summary><c>rocket offset reset --group G --topic T --to ISO-TIME|first|last</c> (RocketMQ's mqadmin resetOffsetByTime).</summary>
public static class OffsetCommand
{
    public sealed record QueueRow(string Broker, int QueueId, long OldOffset, long NewOffset);
    public sealed record BrokerError(string Broker, string Error);
    public sealed record ResetReport(string Group, string Topic, string To, QueueRow[] Queues, string[] NotifiedClients, BrokerError[] Errors);

    public static Command Create()
    {
        var offset = new Command("offset", "Consumer group offsets");
        offset.Subcommands.Add(Reset());
        return offset;
    }

    private static Command Reset()
    {
        var group = new Option<string>("--group") { Description = "Consumer group", Required = true }.NameLike("group", 255);
        var topic = OptionRules.Topic();
        var to = new Option<string>("--to")
        {
            Description = "first (oldest stored message), last (after the newest) or an ISO 8601 time (the first message stored at or after it; UTC unless it names an offset)",
            Required = true,
        };
        to.Validators.Add(r =>
        {
            if (ParseTarget(r.GetValueOrDefault<string>() ?? "") is null)
                r.AddError($"--to must be first, last or an ISO 8601 time such as 2025-01-31T12:00:00Z (got '{r.GetValueOrDefault<string>()}')");
        });
        var command = new Command("reset",
            "Set a group's offset of every queue of a topic on every broker, by store time; live consumers continue from the new offsets")
            { group, topic, to };
        ClusterAction.Set(command, async (parse, cli, _) =>
        {
            var target = ParseTarget(parse.GetValue(to)!)!;
            await using var client = cli.CreateClient();
            var result = await client.Admin.ResetOffsetByTimeAsync(parse.GetValue(group)!, parse.GetValue(topic)!, target);
            var report = new ResetReport(result.Group, result.Topic, target.ToString(),
                result.Queues.Select(q => new QueueRow(q.BrokerName, q.QueueId, q.OldOffset, q.NewOffset)).ToArray(),
                result.NotifiedClients.ToArray(), result.Errors.Select(e => new BrokerError(e.Key, e.Value)).ToArray());
            foreach (var e in report.Errors) cli.Info($"FAILED on {e.Broker}: {e.Error}");
            if (cli.Json) cli.WriteJson(report);
            else
            {
                cli.Out.WriteLine($"{"broker",-16} {"queue",5} {"old offset",14} {"new offset",14}");
                foreach (var q in report.Queues)
                    cli.Out.WriteLine($"{q.Broker,-16} {q.QueueId,5} {(q.OldOffset < 0 ? "-" : q.OldOffset.ToString("N0")),14} {q.NewOffset,14:N0}");
                cli.Out.WriteLine(report.NotifiedClients.Length == 0
                    ? $"group {report.Group} has no live consumer: the new offsets apply when it starts"
                    : $"pushed to {report.NotifiedClients.Length} live consumer(s): {string.Join(", ", report.NotifiedClients)}");
            }
            return report.Errors.Length == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    public static OffsetResetTarget? ParseTarget(string text)
    {
        if (!ConsumeCommand.TryParseFrom(text, out var from, out var time)) return null;
        return from switch
        {
            ConsumeFrom.First => OffsetResetTarget.ToFirst,
            ConsumeFrom.Timestamp => OffsetResetTarget.ToTime(time!.Value),
            _ => OffsetResetTarget.ToLast,
        };
    }
}
