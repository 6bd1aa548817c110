using Akka.Actor;
using Rocket.Client;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>
/// After a failover a broker group's master is whichever broker has a master role in the highest epoch, not broker id 0
/// (issue 11). Group broker-a here: broker 1 was promoted in epoch 2, broker 0 (the configured master) came back as
/// its slave; group broker-b still has its configured master. Every admin verb and the transaction producer's
/// registration must reach broker 1 of broker-a and never its slave.
/// </summary>
public sealed class AdminAfterFailoverTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    private const string Topic = "Orders";

    /// <summary>Answers admin requests as a broker would and notes each one (message type name), for <see cref="Seen"/>.</summary>
    private sealed class RecordingBroker : ReceiveActor
    {
        public sealed record GetSeen;

        private readonly List<string> _seen = new();

        public RecordingBroker(string brokerName)
        {
            Receive<GetSeen>(_ => Sender.Tell(_seen.ToArray()));
            Receive<CreateOrUpdateTopic>(m => Answer(m, new AdminResult(true)));
            Receive<DeleteTopic>(m => Answer(m, new AdminResult(true)));
            Receive<QueryGroupProgress>(m => Answer(m, new GroupProgress(brokerName, m.Group, [])));
            Receive<QueryGroupDetail>(m => Answer(m, new GroupDetail(brokerName, m.Group, [], [])));
            Receive<ResetGroupOffsets>(m => Answer(m, new GroupOffsetsReset(brokerName, m.Group, m.Topic, [], [], null)));
            Receive<ProducerHeartbeat>(m => _seen.Add(nameof(ProducerHeartbeat)));
            ReceiveAny(m => _seen.Add(m.GetType().Name));
        }

        private void Answer(object request, object answer)
        {
            _seen.Add(request.GetType().Name);
            Sender.Tell(answer);
        }
    }

    private IActorRef Start(string actorName, string brokerName) =>
        Sys.ActorOf(Props.Create(() => new RecordingBroker(brokerName)), actorName);

    private BrokerRecord Record(string actor, string brokerName, long id, BrokerRole role, long epoch) =>
        new("DefaultCluster", brokerName, id, BrokerPath(actor), $"akka.tcp://rocket@127.0.0.1:{Port}", true, 8,
            [new TopicConfig(Topic, 2, 2)], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Role: role, Epoch: epoch);

    private BrokerAddress Address(BrokerRecord r) => new(r.ClusterName, r.BrokerName, r.BrokerId, r.BrokerPath, r.Role, r.Epoch);

    private async Task<string[]> Seen(IActorRef broker) =>
        await broker.Ask<string[]>(new RecordingBroker.GetSeen(), TimeSpan.FromSeconds(3));

    [Fact]
    public async Task Admin_verbs_and_transaction_producers_reach_the_promoted_master_not_broker_0_now_its_slave()
    {
        var oldMaster = Start("a-0", "broker-a");
        var promoted = Start("a-1", "broker-a");
        var otherGroup = Start("b-0", "broker-b");
        var brokers = new[]
        {
            Record("a-0", "broker-a", 0, BrokerRole.Slave, 2),
            Record("a-1", "broker-a", 1, BrokerRole.AsyncMaster, 2),
            Record("b-0", "broker-b", 0, BrokerRole.SyncMaster, 1),
        };
        NameServer.Tell(new FakeNameServer.SetBrokers(brokers));
        NameServer.Tell(new FakeNameServer.SetRoute(new TopicRoute(Topic,
            [new QueueData("broker-a", 2, 2, TopicPerm.ReadWrite), new QueueData("broker-b", 2, 2, TopicPerm.ReadWrite)],
            brokers.Select(Address).ToArray())));
        await using var client = RocketClient.Create(Settings(s => s with { HeartbeatBrokerInterval = TimeSpan.FromMilliseconds(100) }));
        var admin = client.Admin;

        var masters = await admin.WaitForMasterAsync(TimeSpan.FromSeconds(5));
        Assert.Equal([("broker-a", 1L), ("broker-b", 0L)], masters.Select(m => (m.BrokerName, m.BrokerId)).Order().ToArray());
        Assert.All(await admin.CreateOrUpdateTopicAsync(new TopicConfig(Topic, 2, 2), "broker-a"), r => Assert.True(r.Ok, r.Error));
        Assert.Equal(["broker-a", "broker-b"], (await admin.CreateOrUpdateTopicAsync(new TopicConfig(Topic, 2, 2))).Select(r => r.BrokerName).Order());
        Assert.Equal([("broker-a", Topic), ("broker-b", Topic)], (await admin.ListTopicsAsync()).Select(t => (t.BrokerName, t.Topic.Name)));
        Assert.Equal(["broker-a", "broker-b"], (await admin.GetProgressAsync("G1")).Select(p => p.BrokerName).Order());
        Assert.Equal(["broker-a", "broker-b"], (await admin.GetGroupDetailAsync("G1")).Select(d => d.BrokerName).Order());
        var reset = await admin.ResetOffsetByTimeAsync("G1", Topic, OffsetResetTarget.ToFirst);
        Assert.Empty(reset.Errors);
        Assert.All(await admin.DeleteTopicAsync(Topic, "broker-a"), r => Assert.True(r.Ok, r.Error));
        await using var producer = client.CreateTransactionProducer("pg", new NoListener());
        await AwaitAssertAsync(async () => Assert.Contains(nameof(ProducerHeartbeat), await Seen(promoted)), TimeSpan.FromSeconds(10));

        Assert.Empty(await Seen(oldMaster)); // a slave now: it took none of it
        Assert.Equal([nameof(CreateOrUpdateTopic), nameof(CreateOrUpdateTopic), nameof(QueryGroupProgress), nameof(QueryGroupDetail),
            nameof(ResetGroupOffsets), nameof(DeleteTopic)], (await Seen(promoted)).Where(s => s != nameof(ProducerHeartbeat)));
        Assert.Equal([nameof(CreateOrUpdateTopic), nameof(QueryGroupProgress), nameof(QueryGroupDetail), nameof(ResetGroupOffsets)],
            (await Seen(otherGroup)).Where(s => s != nameof(ProducerHeartbeat)));
    }

    [Fact]
    public async Task With_broker_0_gone_the_promoted_master_is_the_groups_master_and_a_group_without_master_is_named()
    {
        var promoted = Start("a-1", "broker-a");
        NameServer.Tell(new FakeNameServer.SetBrokers([Record("a-1", "broker-a", 1, BrokerRole.SyncMaster, 3)]));
        await using var client = RocketClient.Create(Settings());
        Assert.Equal(1, Assert.Single(await client.Admin.WaitForMasterAsync(TimeSpan.FromSeconds(5))).BrokerId);
        Assert.All(await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig(Topic, 2, 2), "broker-a"), r => Assert.True(r.Ok, r.Error));
        Assert.Equal([nameof(CreateOrUpdateTopic)], await Seen(promoted));

        // Only a slave left (no failover yet): no master, said so rather than asking the slave.
        NameServer.Tell(new FakeNameServer.SetBrokers([Record("a-1", "broker-a", 1, BrokerRole.Slave, 3)]));
        var error = await Assert.ThrowsAsync<RocketClientException>(() => client.Admin.CreateOrUpdateTopicAsync(new TopicConfig(Topic, 2, 2), "broker-a"));
        Assert.Equal("no live master broker named 'broker-a'", error.Message);
        Assert.Equal([nameof(CreateOrUpdateTopic)], await Seen(promoted));
    }

    private sealed class NoListener : ITransactionListener
    {
        public LocalTransactionState ExecuteLocalTransaction(Message message, object? arg) => LocalTransactionState.Unknown;
        public LocalTransactionState CheckLocalTransaction(ReceivedMessage message) => LocalTransactionState.Unknown;
    }
}
