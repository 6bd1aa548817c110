using System.CommandLine;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;

namespace Rocket.Cli.Commands.Messages;

/// <summary>
/// <c>rocket message query --topic T --key K [--begin ISO --end ISO] [--max N]</c> (the brokers' key index) and
/// <c>rocket message get --id ID [--topic T]</c> (offset message id, else unique key). Nothing found is exit 1.
/// </summary>
public static class MessageCommand
{
    public sealed record QueryReport(string Topic, string Key, DateTimeOffset? Begin, DateTimeOffset? End, int Max, int Count, MessageView[] Messages);
    public sealed record GetReport(string Id, string IdKind, int Count, MessageView[] Messages);

    public static Command Create()
    {
        var message = new Command("message", "Look messages up by key or by id");
        message.Subcommands.Add(Query());
        message.Subcommands.Add(Get());
        return message;
    }

    private static Command Query()
    {
        var topic = OptionRules.Topic();
        var key = new Option<string>("--key") { Description = "A business key (KEYS) or a unique message id (UNIQ_KEY)", Required = true };
        var begin = TimeOption("--begin", "Only messages stored at or after this ISO 8601 time (default: the beginning)");
        var end = TimeOption("--end", "Only messages stored at or before this ISO 8601 time (default: now and later)");
        var max = new Option<int>("--max") { Description = "Most messages per broker (a broker returns at most its max-msgs-num-batch, 64)", DefaultValueFactory = _ => RocketAdmin.DefaultMaxMessages }.AtLeast(1);
        var command = new Command("query", "Messages of a topic by key, through every broker's key index") { topic, key, begin, end, max };
        command.Validators.Add(r =>
        {
            if (r.ValueOrDefault(begin) is { } b && r.ValueOrDefault(end) is { } e && b > e) r.AddError($"--begin ({b:O}) is after --end ({e:O})");
        });
        ClusterAction.Set(command, async (parse, cli, _) =>
        {
            await using var client = cli.CreateClient();
            var report = new QueryReport(parse.GetValue(topic)!, parse.GetValue(key)!, parse.GetValue(begin), parse.GetValue(end), parse.GetValue(max), 0, []);
            var found = await client.Admin.QueryMessagesByKeyAsync(report.Topic, report.Key, report.Begin, report.End, report.Max);
            report = report with { Count = found.Count, Messages = found.Select(MessageView.Of).ToArray() };
            return Print(cli, report, report.Messages, $"no message of topic {report.Topic} has key {report.Key}" +
                (report.Begin is null && report.End is null ? "" : $" within {report.Begin:O} … {report.End:O}"));
        });
        return command;
    }

    private static Command Get()
    {
        var id = new Option<string>("--id") { Description = "The unique id a send returns (UNIQ_KEY) or its offset message id", Required = true };
        var topic = new Option<string>("--topic") { Description = "Look a unique id up in this topic only (default: every topic)" }.NameLike("topic");
        var command = new Command("get", "A message by its id: offset message id (broker address + commit-log offset) or unique id") { id, topic };
        ClusterAction.Set(command, async (parse, cli, _) =>
        {
            await using var client = cli.CreateClient();
            string asked = parse.GetValue(id)!;
            var lookup = await client.Admin.GetMessageByIdAsync(asked, parse.GetValue(topic));
            var views = lookup.Messages.Select(MessageView.Of).ToArray();
            var report = new GetReport(asked, lookup.Kind == MessageIdKind.OffsetMessageId ? "offset_msg_id" : "msg_id", views.Length, views);
            return Print(cli, report, views, $"no message has id {asked} (neither an offset message id of a live broker nor a unique id in its key index)");
        });
        return command;
    }

    private static int Print<T>(CliContext cli, T report, MessageView[] messages, string notFound)
    {
        if (messages.Length == 0)
        {
            cli.Error(notFound); // exit 1; with --json the one object is {"error", "exit_code"}
            return ExitCodes.Failed;
        }
        if (cli.Json) cli.WriteJson(report);
        else
            for (int i = 0; i < messages.Length; i++)
            {
                if (i > 0) cli.Out.WriteLine();
                messages[i].WriteTo(cli.Out);
            }
        return ExitCodes.Ok;
    }

    private static Option<DateTimeOffset?> TimeOption(string name, string description)
    {
        var option = new Option<DateTimeOffset?>(name)
        {
            Description = description,
            CustomParser = r =>
            {
                string text = r.Tokens.Single().Value;
                if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                        System.Globalization.DateTimeStyles.AssumeUniversal, out var time)) return time;
                r.AddError($"{name} must be an ISO 8601 time such as 2025-01-31T12:00:00Z (got '{text}')");
                return null;
            },
        };
        return option;
    }
}
