using System.Text;
using Akka.Actor;
using Rocket.Broker;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Replication;

/// <summary>
/// A topic delete on a slave (the metadata copy's, for a topic its master deleted) removes the config and every group's
/// offsets but writes nothing into the slave's log, which must stay byte-identical to the master's (the master's own
/// tombstone arrives by replication and removes the queues); consume queues without a config are not "orphans" there.
/// </summary>
public sealed class SlaveTopicDeleteTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly BrokerSettings Slave = new() { BrokerName = "broker-a", BrokerId = 1, BrokerRole = BrokerRole.Slave, AutoCreateTopicEnable = false };
    private readonly TempDirectory _dir = new("slave-delete");
    private long _requestId;
    private MessageStore? _store;

    public SlaveTopicDeleteTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    private IActorRef StartBroker(BrokerSettings settings, params TopicConfig[] topics)
    {
        var store = _store = MessageStore.Open(TestMessages.SmallStore(_dir.Path));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory(topics), InMemoryOffsetsActor.Props(), Publisher: null);
        return Sys.ActorOf(BrokerActor.Props(store, settings, parts), BrokerActor.Name);
    }

    private void Stop(IActorRef broker)
    {
        Watch(broker);
        Sys.Stop(broker);
        ExpectTerminated(broker, Wait);
        Unwatch(broker);
    }

    /// <summary>A master writes messages of T and U, then the same store is opened as a slave's (its log as replication left it).</summary>
    private long WriteAsMaster()
    {
        var master = StartBroker(new BrokerSettings(), new TopicConfig("T", 2, 2), new TopicConfig("U", 1, 1));
        master.Tell(new ProduceRequest(++_requestId, [Wire("T", 0, "t0"), Wire("T", 1, "t1"), Wire("U", 0, "u0")]));
        Assert.All(ExpectMsg<ProduceResponse>(Wait).Results, r => Assert.Equal(ProduceStatus.Ok, r.Status));
        AwaitCondition(() => _store!.ConsumeQueues.Find("U", 0)?.MaxOffset == 1, Wait);
        long end = _store!.CommitLog.MaxOffset;
        Stop(master);
        _store.Dispose();
        return end;
    }

    private static WireMessage Wire(string topic, int queueId, string body) =>
        new(topic, queueId, Encoding.UTF8.GetBytes(body), null, 0, 1_700_000_000_000);

    [Fact]
    public void Deleting_a_topic_on_a_slave_removes_its_config_and_offsets_and_writes_no_tombstone_into_its_log()
    {
        long end = WriteAsMaster();
        var slave = StartBroker(Slave, new TopicConfig("T", 2, 2), new TopicConfig("U", 1, 1));
        slave.Tell(new CommitOffsets("G", [new QueueOffset("T", 0, 1), new QueueOffset("U", 0, 1)]));
        slave.Tell(new QueryOffset("G", "T", 0)); // answered behind the commit: it is stored before the delete starts
        Assert.Equal(1, ExpectMsg<OffsetAnswer>(Wait).Offset);

        slave.Tell(new DeleteTopic("T"));
        Assert.Equal(new AdminResult(true), ExpectMsg<AdminResult>(Wait));

        Assert.Equal(end, _store!.CommitLog.MaxOffset); // the log is still exactly what the master wrote
        slave.Tell(GetTopicConfigs.Instance);
        Assert.Equal(["U"], ExpectMsg<TopicConfigs>().Topics.Select(t => t.Name));
        slave.Tell(new QueryOffset("G", "T", 0));
        Assert.Equal(-1, ExpectMsg<OffsetAnswer>().Offset);
        slave.Tell(new QueryOffset("G", "U", 0));
        Assert.Equal(1, ExpectMsg<OffsetAnswer>().Offset);
        slave.Tell(new PullRequest(++_requestId, "G", "T", 0, 0, 32, null, 0));
        Assert.Equal(PullStatus.NoSuchQueue, ExpectMsg<PullResponse>(Wait).Status);
    }

    [Fact]
    public void A_slave_leaves_consume_queues_without_a_config_alone_at_start()
    {
        long end = WriteAsMaster();
        var slave = StartBroker(Slave, new TopicConfig("T", 2, 2)); // U's config has not been copied yet
        slave.Tell(GetTopicConfigs.Instance); // answered after the broker took its first topic table (where orphans are found)
        ExpectMsg<TopicConfigs>();
        // A delete started for the "orphan" would still be running (refused as in progress) or have written its tombstone.
        slave.Tell(new DeleteTopic("U"));
        Assert.Contains("'U' does not exist", ExpectMsg<AdminResult>(Wait).Error);
        Assert.Equal(end, _store!.CommitLog.MaxOffset);
        Assert.NotNull(_store.ConsumeQueues.Find("U", 0));
        Assert.Equal(1, _store.ConsumeQueues.Find("U", 0)!.MaxOffset);
    }
}
