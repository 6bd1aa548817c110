using System.Text;
using Akka.Actor;
using Akka.TestKit;
using Rocket.Broker;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.OffsetReset;

/// <summary>resetOffsetByTime on one broker: offsets by store time / first / last, refusals, and the fence that keeps a
/// consumer's commit sent before it adopted the reset from undoing it.</summary>
public sealed class OffsetResetActorTests : Akka.TestKit.Xunit2.TestKit
{
    // 30 s: the first answer of a broker started on a loaded machine (the suite's lanes side by side) took over 10 s in CI.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new("offset-reset");
    private long _requestId;

    public OffsetResetActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    private IActorRef StartBroker()
    {
        var store = MessageStore.Open(TestMessages.SmallStore(_dir.Path));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory([new TopicConfig("T", 2, 2), new TopicConfig("Other", 1, 1)]),
            InMemoryOffsetsActor.Props(), Publisher: null);
        return Sys.ActorOf(BrokerActor.Props(store, new BrokerSettings(), parts), BrokerActor.Name);
    }

    private void Produce(IActorRef broker, int queueId, int count)
    {
        var messages = Enumerable.Range(0, count).Select(i => new WireMessage("T", queueId, Encoding.UTF8.GetBytes($"m{i}"), null, 0, 1_700_000_000_000)).ToArray();
        broker.Tell(new ProduceRequest(++_requestId, messages));
        ExpectMsg<ProduceResponse>(r => r.RequestId == _requestId && r.Results.All(x => x.Status == ProduceStatus.Ok));
    }

    /// <summary>Waits until the consume queue shows <paramref name="max"/> entries (the projector runs behind the journal).</summary>
    private void AwaitQueueMax(IActorRef broker, string topic, int queueId, long max) => AwaitAssert(() =>
    {
        broker.Tell(new QueryQueueOffsets(topic, queueId));
        Assert.Equal(max, ExpectMsg<QueueOffsets>().MaxOffset);
    }, Patience);

    private long Stored(IActorRef broker, string group, string topic, int queueId)
    {
        broker.Tell(new QueryOffset(group, topic, queueId));
        return ExpectMsg<OffsetAnswer>().Offset;
    }

    private GroupOffsetsReset Reset(IActorRef broker, string group, string topic, OffsetResetTarget target)
    {
        broker.Tell(new ResetGroupOffsets(group, topic, target));
        return ExpectMsg<GroupOffsetsReset>(Patience);
    }

    [Fact]
    public void An_offline_group_is_set_by_store_time_first_and_last_on_every_queue_and_old_offsets_are_reported()
    {
        var broker = StartBroker();
        Produce(broker, 0, 3);
        Produce(broker, 1, 1);
        AwaitQueueMax(broker, "T", 0, 3);
        // A time strictly after the first batch's store time and at or before the second's.
        var before = DateTimeOffset.UtcNow;
        SpinWait.SpinUntil(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > before.ToUnixTimeMilliseconds());
        var cut = DateTimeOffset.UtcNow;
        SpinWait.SpinUntil(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > cut.ToUnixTimeMilliseconds());
        Produce(broker, 0, 2);
        AwaitQueueMax(broker, "T", 0, 5);
        broker.Tell(new CommitOffsets("G", [new QueueOffset("T", 0, 5), new QueueOffset("T", 1, 1)]));
        AwaitAssert(() => Assert.Equal(5, Stored(broker, "G", "T", 0)), Patience);

        var byTime = Reset(broker, "G", "T", OffsetResetTarget.ToTime(cut));
        Assert.Null(byTime.Error);
        Assert.Empty(byTime.NotifiedClients); // offline
        Assert.Equal([new QueueOffsetChange(0, 5, 3), new QueueOffsetChange(1, 1, 1)], byTime.Queues); // queue 1: all older → max
        Assert.Equal(3, Stored(broker, "G", "T", 0));
        Assert.Equal(1, Stored(broker, "G", "T", 1));

        var first = Reset(broker, "G", "T", OffsetResetTarget.ToFirst);
        Assert.Equal([new QueueOffsetChange(0, 3, 0), new QueueOffsetChange(1, 1, 0)], first.Queues);
        Assert.Equal(0, Stored(broker, "G", "T", 0));

        var last = Reset(broker, "G", "T", OffsetResetTarget.ToLast);
        Assert.Equal([new QueueOffsetChange(0, 0, 5), new QueueOffsetChange(1, 0, 1)], last.Queues);
        Assert.Equal(5, Stored(broker, "G", "T", 0));
    }

    [Fact]
    public void An_unknown_topic_or_group_is_refused_by_name_and_nothing_is_written()
    {
        var broker = StartBroker();
        var noTopic = Reset(broker, "G", "Nope", OffsetResetTarget.ToFirst);
        Assert.Contains("topic 'Nope' does not exist", noTopic.Error);

        // The reset actor learns the topic table from the broker's topics actor, just after start: until then T is
        // refused as unknown too (seen on a loaded machine), so ask again until the answer is about the group.
        GroupOffsetsReset noGroup = null!;
        AwaitAssert(() =>
        {
            noGroup = Reset(broker, "Ghost", "T", OffsetResetTarget.ToFirst);
            Assert.True(noGroup.GroupUnknown, noGroup.Error);
        }, Patience);
        Assert.Contains("group 'Ghost' is unknown", noGroup.Error);
        Assert.Equal(-1, Stored(broker, "Ghost", "T", 0));

        // Known on another broker of the topic (the admin says so): its queues here get offsets too.
        broker.Tell(new ResetGroupOffsets("Ghost", "T", OffsetResetTarget.ToFirst, KnownElsewhere: true));
        Assert.Null(ExpectMsg<GroupOffsetsReset>(Patience).Error);
        Assert.Equal(0, Stored(broker, "Ghost", "T", 0));
    }

    [Fact]
    public void A_live_consumer_gets_the_reset_and_its_commit_sent_before_adopting_it_does_not_overwrite_it()
    {
        var broker = StartBroker();
        Produce(broker, 0, 4);
        AwaitQueueMax(broker, "T", 0, 4);
        var consumer = CreateTestProbe();
        broker.Tell(new ConsumerHeartbeat("c1", "G", MessageModel.Clustering, ["T"], consumer.Ref), consumer.Ref);
        broker.Tell(new CommitOffsets("G", [new QueueOffset("T", 0, 4)]), consumer.Ref);
        AwaitAssert(() => Assert.Equal(4, Stored(broker, "G", "T", 0)), Patience);

        var answer = Reset(broker, "G", "T", OffsetResetTarget.ToFirst);
        Assert.Equal(["c1"], answer.NotifiedClients);
        var notice = (ResetConsumerOffsets)consumer.FishForMessage(m => m is ResetConsumerOffsets, Patience);
        Assert.Equal(new QueueOffset("T", 0, 0), notice.Offsets[0]);
        Assert.Equal("G", notice.Group);
        Assert.Equal(0, Stored(broker, "G", "T", 0));

        // The consumer's periodic commit of its old position, in flight when the reset happened: dropped.
        broker.Tell(new CommitOffsets("G", [new QueueOffset("T", 0, 4), new QueueOffset("Other", 0, 7)]), consumer.Ref);
        AwaitAssert(() => Assert.Equal(7, Stored(broker, "G", "Other", 0)), Patience); // the same commit's unfenced part went through
        Assert.Equal(0, Stored(broker, "G", "T", 0));

        // An answer to an older reset lifts nothing.
        broker.Tell(new ConsumerOffsetsAdopted("c1", "G", "T", notice.Epoch - 1), consumer.Ref);
        broker.Tell(new CommitOffsets("G", [new QueueOffset("T", 0, 3), new QueueOffset("Other", 0, 8)]), consumer.Ref);
        AwaitAssert(() => Assert.Equal(8, Stored(broker, "G", "Other", 0)), Patience);
        Assert.Equal(0, Stored(broker, "G", "T", 0));

        // Adopted: what the consumer commits from then on counts again.
        broker.Tell(new ConsumerOffsetsAdopted("c1", "G", "T", notice.Epoch), consumer.Ref);
        broker.Tell(new CommitOffsets("G", [new QueueOffset("T", 0, 2)]), consumer.Ref);
        AwaitAssert(() => Assert.Equal(2, Stored(broker, "G", "T", 0)), Patience);
    }
}
