using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Rocket.Naming;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;
using static Rocket.Tests.Naming.NamingCluster;

namespace Rocket.Tests.Naming;

/// <summary>seed + broker-a (master and slave) + broker-b, shared by the read-only route tests.</summary>
public sealed class RouteClusterFixture : IAsyncLifetime
{
    private readonly NamingCluster _cluster = new();

    internal NamingNode Seed { get; private set; } = null!;
    internal NamingNode MasterA { get; private set; } = null!;
    internal NamingNode SlaveA { get; private set; } = null!;
    internal NamingNode MasterB { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Seed = await _cluster.StartSeed();
        TopicConfig[] topicsA = [new("orders", 4, 4), new("shared", 8, 8)];
        MasterA = await _cluster.StartBroker(Seed.Address, BrokerNamed("broker-a", topicsA));
        SlaveA = await _cluster.StartBroker(Seed.Address, BrokerNamed("broker-a", topicsA, id: 1));
        MasterB = await _cluster.StartBroker(Seed.Address,
            BrokerNamed("broker-b", [new("shared", 2, 2, TopicPerm.Read)], autoCreate: false));
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();
}

public sealed class NameServerRouteTests(RouteClusterFixture cluster, ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(output: output), IClassFixture<RouteClusterFixture>
{
    private static readonly TimeSpan Gossip = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_brokers_topics_appear_in_routes_on_every_node()
    {
        foreach (var node in new[] { cluster.Seed, cluster.MasterA, cluster.SlaveA, cluster.MasterB })
            await AwaitAssertAsync(async () =>
            {
                var answer = await node.Route("orders");
                Assert.NotNull(answer.Route);
                Assert.Equal([new QueueData("broker-a", 4, 4, TopicPerm.ReadWrite)], answer.Route.Queues);
                Assert.Equal([0L, 1L], answer.Route.Brokers.Select(b => b.BrokerId));
                Assert.Equal("/user/broker-broker-a-0", answer.Route.Brokers[0].Path);
            }, Gossip);
    }

    [Fact]
    public async Task Clients_reach_the_name_server_by_its_remote_path()
    {
        var seedPath = $"{cluster.Seed.Address}/user/nameserver";
        var remote = cluster.MasterB.System.ActorSelection(seedPath);
        await AwaitAssertAsync(async () =>
        {
            var answer = await remote.Ask<TopicRouteAnswer>(new GetTopicRoute("orders"), TimeSpan.FromSeconds(3));
            Assert.NotNull(answer.Route);
        }, Gossip);
    }

    [Fact]
    public async Task An_unknown_topic_has_no_route_and_names_the_auto_create_masters()
    {
        await AwaitAssertAsync(async () =>
        {
            var answer = await cluster.Seed.Route("no-such-topic");
            Assert.Null(answer.Route);
            // broker-b disables auto-create; slaves never create topics.
            Assert.Equal([("broker-a", 0L)], answer.AutoCreateBrokers.Select(b => (b.BrokerName, b.BrokerId)));
            Assert.Equal(8, answer.DefaultQueueNums);
        }, Gossip);
    }

    [Fact]
    public async Task A_topic_on_two_brokers_has_queue_data_from_both()
    {
        await AwaitAssertAsync(async () =>
        {
            var answer = await cluster.MasterA.Route("shared");
            Assert.NotNull(answer.Route);
            Assert.Equal(
                [new QueueData("broker-a", 8, 8, TopicPerm.ReadWrite), new QueueData("broker-b", 2, 2, TopicPerm.Read)],
                answer.Route.Queues);
            Assert.Equal([("broker-a", 0L), ("broker-a", 1L), ("broker-b", 0L)],
                answer.Route.Brokers.Select(b => (b.BrokerName, b.BrokerId)));
        }, Gossip);
    }

    [Fact]
    public async Task A_record_not_republished_within_the_expiry_is_ignored()
    {
        // An entry of a live member that stopped publishing (a stuck broker), written straight into the table.
        var stale = BrokerNamed("broker-stuck", [new("stuck-topic", 1, 1)]) with
        {
            MemberAddress = cluster.MasterB.MemberAddress,
            PublishedAt = BrokerRegistry.NowMillis() - 60_000,
        };
        var replicator = DistributedData.Get(cluster.MasterB.System).Replicator;
        var self = Cluster.Get(cluster.MasterB.System).SelfUniqueAddress;
        await replicator.Ask<UpdateSuccess>(Dsl.Update(BrokerRegistry.Key, BrokerRegistry.Empty, WriteLocal.Instance,
            table => table.SetItem(self, stale.Key, stale)), TimeSpan.FromSeconds(3));

        await AwaitAssertAsync(async () =>
        {
            var table = await DistributedData.Get(cluster.Seed.System).GetAsync(BrokerRegistry.Key, ReadLocal.Instance);
            Assert.True(table?.ContainsKey(stale.Key));
        }, Gossip);
        var answer = await cluster.Seed.Route("stuck-topic");
        Assert.Null(answer.Route);
        Assert.DoesNotContain(answer.AutoCreateBrokers, b => b.BrokerName == "broker-stuck");
    }

    [Fact]
    public async Task The_cluster_view_lists_members_with_roles_and_the_live_brokers()
    {
        await AwaitAssertAsync(async () =>
        {
            var view = await cluster.MasterB.View();
            Assert.Equal(4, view.Members.Length);
            Assert.All(view.Members, m => Assert.True(m.Status == "Up" && m.Reachable));
            var seed = Assert.Single(view.Members, m => m.Address == cluster.Seed.MemberAddress);
            Assert.Equal(["seed"], seed.Roles);
            Assert.Equal(3, view.Members.Count(m => m.Roles.SequenceEqual(["broker"])));
            Assert.Equal(["DefaultCluster/broker-a/0", "DefaultCluster/broker-a/1", "DefaultCluster/broker-b/0"],
                view.Brokers.Select(b => b.Key));
            Assert.Equal(cluster.SlaveA.MemberAddress, view.Brokers[1].MemberAddress);
        }, Gossip);
    }
}

/// <summary>Brokers and seeds going away; each test has its own three-node cluster (a majority survives one loss).</summary>
public sealed class NameServerFailureTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private static readonly TimeSpan Gossip = TimeSpan.FromSeconds(10);
    private readonly ITestOutputHelper _output = output;

    private static async Task<(NamingCluster Cluster, NamingNode Seed, NamingNode A, NamingNode B)> ThreeNodes()
    {
        var cluster = new NamingCluster();
        var seed = await cluster.StartSeed();
        var a = await cluster.StartBroker(seed.Address, BrokerNamed("broker-a", [new("orders", 4, 4)]));
        var b = await cluster.StartBroker(seed.Address, BrokerNamed("broker-b", [new("orders", 4, 4), new("only-b", 1, 1)]));
        return (cluster, seed, a, b);
    }

    private Task AwaitBrokers(NamingNode node, string topic, params string[] brokers) =>
        AwaitAssertAsync(async () =>
        {
            var answer = await node.Route(topic);
            Assert.Equal(brokers, answer.Route?.Queues.Select(q => q.BrokerName) ?? []);
        }, Gossip);

    [Fact]
    public async Task A_broker_that_leaves_gracefully_disappears_from_routes()
    {
        var (cluster, seed, a, b) = await ThreeNodes();
        await using var _ = cluster;
        await AwaitBrokers(seed, "orders", "broker-a", "broker-b");

        await Cluster.Get(b.System).LeaveAsync().WaitAsync(JoinTimeout);

        await AwaitBrokers(seed, "orders", "broker-a");
        await AwaitBrokers(a, "only-b");
    }

    [Fact]
    public async Task A_crashed_broker_disappears_from_routes_within_seconds()
    {
        var (cluster, seed, a, b) = await ThreeNodes();
        await using var _ = cluster;
        await AwaitBrokers(seed, "orders", "broker-a", "broker-b");
        await AwaitBrokers(a, "orders", "broker-a", "broker-b");

        var clock = Stopwatch.StartNew();
        await b.System.Terminate(); // no leave: the others learn it from the failure detector
        await AwaitBrokers(seed, "orders", "broker-a");
        var onSeed = clock.Elapsed;
        // Shows that membership, not the publisher's best-effort removal on stop, took it out of the route.
        var table = await DistributedData.Get(seed.System).GetAsync(BrokerRegistry.Key, ReadLocal.Instance);
        _output.WriteLine($"Crashed broker's entry still in the seed's table when it left the route: {table?.ContainsKey("DefaultCluster/broker-b/0")}");
        await AwaitBrokers(a, "orders", "broker-a");
        var onBroker = clock.Elapsed;

        _output.WriteLine($"Crashed broker left the routes after {onSeed.TotalSeconds:F1} s on the seed, {onBroker.TotalSeconds:F1} s on the other broker");
        Assert.True(onBroker < TimeSpan.FromSeconds(8), $"took {onBroker}");
        var view = await seed.View();
        Assert.DoesNotContain(view.Members, m => m.Address == b.MemberAddress && m.Reachable && m.Status == "Up");

        // Once the split-brain resolver has downed and removed it, the leader deletes its entry from the table.
        await AwaitAssertAsync(async () =>
        {
            var entries = await DistributedData.Get(a.System).GetAsync(BrokerRegistry.Key, ReadLocal.Instance);
            Assert.False(entries?.ContainsKey("DefaultCluster/broker-b/0"));
        }, TimeSpan.FromSeconds(15));
        _output.WriteLine($"Crashed broker's entry deleted from the table after {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task A_restarted_seed_sees_the_routes_again()
    {
        var (cluster, seed, a, b) = await ThreeNodes();
        await using var _ = cluster;
        await AwaitBrokers(seed, "orders", "broker-a", "broker-b");

        var clock = Stopwatch.StartNew();
        await seed.System.Terminate();
        // A new seed process joins through a surviving node once the old one has been downed.
        var restarted = await cluster.StartSeed(a.Address);
        await AwaitBrokers(restarted, "orders", "broker-a", "broker-b");
        await AwaitBrokers(restarted, "only-b", "broker-b");
        _output.WriteLine($"Restarted seed served routes {clock.Elapsed.TotalSeconds:F1} s after the old one crashed");
    }
}
