using System.CommandLine;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;
using Rocket.Protocol;

namespace Rocket.Cli.Commands;

/// <summary><c>rocket topic create|update|delete|list|route</c> (RocketMQ's updateTopic, deleteTopic, topicList, topicRoute).</summary>
public static class TopicCommand
{
    public sealed record BrokerOutcome(string Broker, bool Ok, string? Error);
    public sealed record TopicChangeResult(string Topic, int? ReadQueues, int? WriteQueues, int? Perm, BrokerOutcome[] Brokers, bool Visible);
    public sealed record TopicRow(string Topic, string Broker, int ReadQueues, int WriteQueues, int Perm);
    public sealed record TopicListResult(TopicRow[] Topics);
    public sealed record RouteBroker(string Cluster, string Name, long Id, string Path);
    public sealed record RouteResult(string Topic, TopicRow[] Queues, RouteBroker[] Brokers);

    public static Command Create()
    {
        var topic = new Command("topic", "Create, update, delete, list topics and show routes");
        topic.Subcommands.Add(CreateOrUpdate("create", "Create a topic on every live master (or --broker)"));
        topic.Subcommands.Add(CreateOrUpdate("update", "Change a topic's queue counts or permission on every live master (or --broker)"));
        topic.Subcommands.Add(Delete());
        topic.Subcommands.Add(List());
        topic.Subcommands.Add(Route());
        return topic;
    }

    private static Command CreateOrUpdate(string name, string description)
    {
        var topicName = OptionRules.Topic();
        var queues = new Option<int>("--queues") { Description = "Read and write queues", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var readQueues = new Option<int?>("--read-queues") { Description = "Read queues (overrides --queues)" }.AtLeast(1);
        var writeQueues = new Option<int?>("--write-queues") { Description = "Write queues (overrides --queues)" }.AtLeast(1);
        var perm = new Option<int>("--perm") { Description = "Permission: 2 write, 4 read, 6 read-write", DefaultValueFactory = _ => 6 };
        perm.AcceptOnlyFromAmong("2", "4", "6");
        var broker = new Option<string?>("--broker") { Description = "Only this broker (name), not every live master" };
        var command = new Command(name, description) { topicName, queues, readQueues, writeQueues, perm, broker };
        ClusterAction.Set(command, async (parse, cli, _) =>
        {
            var config = new TopicConfig(parse.GetValue(topicName)!,
                parse.GetValue(readQueues) ?? parse.GetValue(queues),
                parse.GetValue(writeQueues) ?? parse.GetValue(queues),
                (TopicPerm)parse.GetValue(perm));
            await using var client = cli.CreateClient();
            var results = await client.Admin.CreateOrUpdateTopicAsync(config, parse.GetValue(broker));
            var outcomes = results.Select(r => new BrokerOutcome(r.BrokerName, r.Ok, r.Error)).ToArray();
            var okBrokers = outcomes.Where(o => o.Ok).Select(o => o.Broker).ToHashSet();
            bool visible = okBrokers.Count > 0 && await TopicSetup.AwaitVisibleAsync(client, config, okBrokers);
            var result = new TopicChangeResult(config.Name, config.ReadQueues, config.WriteQueues, (int)config.Perm, outcomes, visible);
            if (cli.Json) cli.WriteJson(result);
            else
            {
                foreach (var o in outcomes)
                    cli.Out.WriteLine(o.Ok
                        ? $"{name}d topic {config.Name} on {o.Broker}: {config.ReadQueues} read / {config.WriteQueues} write queues, perm {(int)config.Perm}"
                        : $"FAILED on {o.Broker}: {o.Error}");
                if (okBrokers.Count > 0 && !visible)
                    cli.Out.WriteLine($"warning: the seeds do not show the change yet (waited {TopicSetup.PropagationWait.TotalSeconds:0} s)");
            }
            return outcomes.All(o => o.Ok) ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static Command Delete()
    {
        var topicName = OptionRules.Topic();
        var broker = new Option<string?>("--broker") { Description = "Only this broker (name)" };
        var command = new Command("delete", "Delete a topic from every live master that has it") { topicName, broker };
        ClusterAction.Set(command, async (parse, cli, _) =>
        {
            await using var client = cli.CreateClient();
            var results = await client.Admin.DeleteTopicAsync(parse.GetValue(topicName)!, parse.GetValue(broker));
            var outcomes = results.Select(r => new BrokerOutcome(r.BrokerName, r.Ok, r.Error)).ToArray();
            var okBrokers = outcomes.Where(o => o.Ok).Select(o => o.Broker).ToHashSet();
            // "visible" as for create: the seeds show the change, i.e. no longer route the topic to those brokers.
            bool visible = okBrokers.Count > 0 && await TopicSetup.AwaitGoneAsync(client, parse.GetValue(topicName)!, okBrokers);
            if (cli.Json) cli.WriteJson(new TopicChangeResult(parse.GetValue(topicName)!, null, null, null, outcomes, visible));
            else
            {
                foreach (var o in outcomes)
                    cli.Out.WriteLine(o.Ok ? $"deleted topic {parse.GetValue(topicName)} on {o.Broker}" : $"FAILED on {o.Broker}: {o.Error}");
                if (okBrokers.Count > 0 && !visible)
                    cli.Out.WriteLine($"warning: the seeds still show the topic (waited {TopicSetup.PropagationWait.TotalSeconds:0} s)");
            }
            return outcomes.All(o => o.Ok) ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "Every topic on every live master");
        ClusterAction.Set(command, async (_, cli, _) =>
        {
            await using var client = cli.CreateClient();
            var rows = (await client.Admin.ListTopicsAsync())
                .Select(x => new TopicRow(x.Topic.Name, x.BrokerName, x.Topic.ReadQueues, x.Topic.WriteQueues, (int)x.Topic.Perm)).ToArray();
            if (cli.Json) cli.WriteJson(new TopicListResult(rows));
            else
            {
                cli.Out.WriteLine($"{"topic",-40} {"broker",-20} {"read",5} {"write",5} {"perm",4}");
                foreach (var r in rows) cli.Out.WriteLine($"{r.Topic,-40} {r.Broker,-20} {r.ReadQueues,5} {r.WriteQueues,5} {r.Perm,4}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Route()
    {
        var topicName = OptionRules.Topic();
        var command = new Command("route", "Where a topic lives: queues per broker and the brokers' addresses") { topicName };
        ClusterAction.Set(command, async (parse, cli, _) =>
        {
            string name = parse.GetValue(topicName)!;
            await using var client = cli.CreateClient();
            var route = await client.Admin.GetRouteAsync(name);
            if (route is null)
            {
                // The cluster answered: the topic is missing, which is a bad outcome, not an unusable cluster.
                cli.Error($"rocket topic route: topic '{name}' has no route: no live broker has it");
                return ExitCodes.Failed;
            }
            var result = ToResult(route);
            if (cli.Json) cli.WriteJson(result);
            else PrintRoute(cli.Out, result);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static RouteResult ToResult(TopicRoute route) => new(route.Topic,
        route.Queues.OrderBy(q => q.BrokerName, StringComparer.Ordinal)
            .Select(q => new TopicRow(route.Topic, q.BrokerName, q.ReadQueues, q.WriteQueues, (int)q.Perm)).ToArray(),
        route.Brokers.OrderBy(b => b.BrokerName, StringComparer.Ordinal).ThenBy(b => b.BrokerId)
            .Select(b => new RouteBroker(b.ClusterName, b.BrokerName, b.BrokerId, b.Path)).ToArray());

    public static void PrintRoute(TextWriter o, RouteResult route)
    {
        o.WriteLine($"route of {route.Topic}:");
        foreach (var q in route.Queues) o.WriteLine($"  {q.Broker,-20} {q.ReadQueues} read / {q.WriteQueues} write queues, perm {q.Perm}");
        foreach (var b in route.Brokers) o.WriteLine($"  {b.Cluster}/{b.Name}/{b.Id} at {b.Path}");
    }
}
