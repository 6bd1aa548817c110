using System.Text.Json;
using Rocket.Cli.Commands.Shared;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary><c>rocket topic create|update|delete|list|route</c> against a real standalone node, read through their JSON.</summary>
[Collection(MultiProcess.LaneB)]
public class TopicVerbTests(StandaloneNode node) : IClassFixture<StandaloneNode>
{
    [Fact]
    public async Task Create_then_list_route_update_and_delete_a_topic()
    {
        const string topic = "TopicLifecycle";
        var created = (await node.RocketAsync("topic", "create", "--topic", topic, "--queues", "4")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(topic, created.GetProperty("topic").GetString());
        AssertBrokersOk(created);
        Assert.True(created.GetProperty("visible").GetBoolean(), "create waits until the seed publishes the topic");

        var listed = (await node.RocketAsync("topic", "list")).Exits(ExitCodes.Ok).Json();
        var row = Assert.Single(listed.GetProperty("topics").EnumerateArray(), t => t.GetProperty("topic").GetString() == topic);
        AssertQueues(row, read: 4, write: 4, perm: 6);

        var route = (await node.RocketAsync("topic", "route", "--topic", topic)).Exits(ExitCodes.Ok).Json();
        Assert.Equal(topic, route.GetProperty("topic").GetString());
        AssertQueues(Assert.Single(route.GetProperty("queues").EnumerateArray()), read: 4, write: 4, perm: 6);
        var broker = Assert.Single(route.GetProperty("brokers").EnumerateArray());
        Assert.Equal("broker-a", broker.GetProperty("name").GetString());
        Assert.Equal(0, broker.GetProperty("id").GetInt64());
        Assert.Contains($"@127.0.0.1:{node.Port}/", broker.GetProperty("path").GetString());

        var updated = (await node.RocketAsync("topic", "update", "--topic", topic, "--read-queues", "2", "--write-queues", "3", "--perm", "4"))
            .Exits(ExitCodes.Ok).Json();
        AssertBrokersOk(updated);
        Assert.True(updated.GetProperty("visible").GetBoolean());
        route = (await node.RocketAsync("topic", "route", "--topic", topic)).Exits(ExitCodes.Ok).Json();
        AssertQueues(Assert.Single(route.GetProperty("queues").EnumerateArray()), read: 2, write: 3, perm: 4);

        var deleted = (await node.RocketAsync("topic", "delete", "--topic", topic)).Exits(ExitCodes.Ok).Json();
        AssertBrokersOk(deleted);
        Assert.True(deleted.GetProperty("visible").GetBoolean(), "delete waits until the seed no longer publishes the topic");
        listed = (await node.RocketAsync("topic", "list")).Exits(ExitCodes.Ok).Json();
        Assert.DoesNotContain(listed.GetProperty("topics").EnumerateArray(), t => t.GetProperty("topic").GetString() == topic);
        (await node.RocketAsync("topic", "route", "--topic", topic)).Exits(ExitCodes.Failed);
    }

    [Fact]
    public async Task A_missing_topic_has_no_route_and_cannot_be_deleted_exit_1_with_one_json_error()
    {
        // Exit 1 (the outcome is bad), not 3: the cluster answered, the topic is not there.
        var route = (await node.RocketAsync("topic", "route", "--topic", "NeverCreated")).Exits(ExitCodes.Failed);
        Assert.Contains("NeverCreated", route.Stderr);
        Assert.Contains("topic 'NeverCreated' has no route", route.JsonError());

        var delete = (await node.RocketAsync("topic", "delete", "--topic", "NeverCreated")).Exits(ExitCodes.Failed);
        Assert.Contains("NeverCreated", delete.Stderr);
        Assert.Contains("topic 'NeverCreated' does not exist on any live broker", delete.JsonError());
    }

    [Fact]
    public async Task Create_on_an_unknown_broker_exits_3_naming_it()
    {
        var run = (await node.RocketAsync("topic", "create", "--topic", "Nowhere", "--broker", "broker-zz")).Exits(ExitCodes.Unavailable);
        Assert.Contains("broker-zz", run.Stderr);
        Assert.Contains("broker-zz", run.JsonError());
    }

    private static void AssertBrokersOk(JsonElement change)
    {
        var outcome = Assert.Single(change.GetProperty("brokers").EnumerateArray());
        Assert.Equal("broker-a", outcome.GetProperty("broker").GetString());
        Assert.True(outcome.GetProperty("ok").GetBoolean(), outcome.GetProperty("error").ToString());
        Assert.Equal(JsonValueKind.Null, outcome.GetProperty("error").ValueKind);
    }

    private static void AssertQueues(JsonElement row, int read, int write, int perm)
    {
        Assert.Equal("broker-a", row.GetProperty("broker").GetString());
        Assert.Equal(read, row.GetProperty("read_queues").GetInt32());
        Assert.Equal(write, row.GetProperty("write_queues").GetInt32());
        Assert.Equal(perm, row.GetProperty("perm").GetInt32());
    }
}
