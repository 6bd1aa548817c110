using System.Text.Json;
using Rocket.Cli.Commands.Shared;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>
/// <c>rocket cluster</c> against a real standalone node, and the exit codes every cluster verb shares: a cluster
/// nobody answers for is 3, a bad command line is 2, and in both cases stdout stays empty.
/// </summary>
[Collection(MultiProcess.LaneB)]
public class ClusterVerbTests(StandaloneNode node) : IClassFixture<StandaloneNode>
{
    [Fact]
    public async Task Cluster_lists_the_standalone_node_as_one_member_with_both_roles_and_its_broker()
    {
        // The failover coordinator gives the group its first epoch soon after the node is up (issue 11); wait for it.
        JsonElement json = default;
        await MultiProcess.AwaitAsync(async () =>
        {
            json = (await node.RocketAsync("cluster")).Exits(ExitCodes.Ok).Json();
            return json.GetProperty("brokers").EnumerateArray().Any(b => b.GetProperty("epoch").GetInt64() == 1);
        }, "the standalone broker leads epoch 1");

        var member = Assert.Single(json.GetProperty("members").EnumerateArray());
        string address = member.GetProperty("address").GetString()!;
        Assert.EndsWith($"@127.0.0.1:{node.Port}", address);
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.Equal(["broker", "seed"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).Order());

        var broker = Assert.Single(json.GetProperty("brokers").EnumerateArray());
        Assert.Equal("broker-a", broker.GetProperty("name").GetString());
        Assert.Equal(0, broker.GetProperty("id").GetInt64());
        Assert.Equal(address, broker.GetProperty("address").GetString());
        Assert.False(string.IsNullOrEmpty(broker.GetProperty("cluster").GetString()));
        Assert.Equal(JsonValueKind.Number, broker.GetProperty("topics").ValueKind);
        Assert.True(broker.GetProperty("healthy").GetBoolean()); // its store works (see StoreFaultProcessTests for one that does not)
        Assert.Equal(JsonValueKind.Null, broker.GetProperty("problem").ValueKind);
        // Replication columns (issue 11): a standalone node is the master of its group's first epoch, with no lag of its own.
        Assert.Equal("ASYNC_MASTER", broker.GetProperty("role").GetString());
        Assert.Equal(1, broker.GetProperty("epoch").GetInt64());
        Assert.Equal(JsonValueKind.Null, broker.GetProperty("replica_lag_bytes").ValueKind);
    }

    [Fact]
    public async Task Cluster_shows_each_broker_groups_master_beside_the_failover_coordinators_decision_and_status()
    {
        JsonElement json = default;
        await MultiProcess.AwaitAsync(async () =>
        {
            json = (await node.RocketAsync("cluster")).Exits(ExitCodes.Ok).Json();
            return json.GetProperty("groups").EnumerateArray().Any(g => g.GetProperty("decided_epoch").ValueKind == JsonValueKind.Number);
        }, "the coordinator decided the standalone group's first epoch");

        var failover = json.GetProperty("failover");
        Assert.True(failover.GetProperty("enabled").GetBoolean());
        Assert.True(failover.GetProperty("loaded").GetBoolean());
        Assert.Equal(JsonValueKind.Null, failover.GetProperty("error").ValueKind);
        var group = Assert.Single(json.GetProperty("groups").EnumerateArray());
        Assert.Equal("broker-a", group.GetProperty("name").GetString());
        Assert.Equal(0, group.GetProperty("master").GetInt64()); // by role and epoch, as the clients pick it
        Assert.Equal(1, group.GetProperty("epoch").GetInt64());
        Assert.Empty(group.GetProperty("slaves").EnumerateArray());
        Assert.Equal(1, group.GetProperty("decided_epoch").GetInt64());
        Assert.Equal(0, group.GetProperty("decided_master").GetInt64());
        Assert.Equal("master live", group.GetProperty("status").GetString());

        var text = (await RocketTool.RunAsync("cluster", "--seeds", node.Seeds)).Exits(ExitCodes.Ok).Stdout;
        Assert.Contains("coordinator: epoch 1 master #0; master live", text);
    }

    [Fact]
    public async Task Cluster_counts_a_new_topic_on_its_broker()
    {
        long before = BrokerTopics((await node.RocketAsync("cluster")).Exits(ExitCodes.Ok).Json());
        (await node.RocketAsync("topic", "create", "--topic", "ClusterCounted", "--queues", "2")).Exits(ExitCodes.Ok);
        Assert.Equal(before + 1, BrokerTopics((await node.RocketAsync("cluster")).Exits(ExitCodes.Ok).Json()));
    }

    [Fact]
    public async Task Seeds_default_to_the_ROCKET_SEEDS_environment_variable_and_a_dead_seed_in_the_list_is_skipped()
    {
        var run = await RocketTool.RunAsync(["cluster", "--json"], RocketTool.DefaultTimeout,
            new Dictionary<string, string?> { ["ROCKET_SEEDS"] = $"127.0.0.1:{FreePort.Next()},{node.Seeds}" });
        Assert.Single(run.Exits(ExitCodes.Ok).Json().GetProperty("members").EnumerateArray());
    }

    [Fact]
    public async Task No_seed_reachable_exits_3_naming_the_seed_in_one_json_error()
    {
        string seeds = $"127.0.0.1:{FreePort.Next()}";
        foreach (var args in new[] { new[] { "cluster" }, ["send", "--topic", "T", "--count", "5"] })
        {
            var run = (await RocketTool.RunAsync([.. args, "--seeds", seeds, "--json"])).Exits(ExitCodes.Unavailable);
            Assert.Contains($"no seed reachable at {seeds}", run.Stderr);
            Assert.Contains($"no seed reachable at {seeds}", run.JsonError());
        }
    }

    [Fact]
    public async Task A_bad_command_line_exits_2_before_connecting_with_one_json_error()
    {
        var unknown = (await RocketTool.RunAsync("send", "--topic", "T", "--bogus", "--seeds", node.Seeds, "--json")).Exits(ExitCodes.Usage);
        Assert.Contains("--bogus", unknown.Stderr);
        Assert.Contains("--bogus", unknown.JsonError());

        var badValue = (await RocketTool.RunAsync("consume", "--topic", "T", "--group", "G", "--from", "yesterday", "--seeds", node.Seeds, "--json")).Exits(ExitCodes.Usage);
        Assert.Contains("--from", badValue.Stderr);
        Assert.Contains("--from", badValue.JsonError());
    }

    private static long BrokerTopics(JsonElement cluster) =>
        cluster.GetProperty("brokers").EnumerateArray().Single(b => b.GetProperty("name").GetString() == "broker-a").GetProperty("topics").GetInt64();
}
