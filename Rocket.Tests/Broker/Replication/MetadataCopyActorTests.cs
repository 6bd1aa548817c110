using Akka.Actor;
using Akka.TestKit;
using Rocket.Broker;
using Rocket.Broker.Metadata;
using Rocket.Broker.Replication;
using Rocket.Broker.Timer;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Replication;

/// <summary>
/// Topic configs (deletes too), consumer offsets and the timer's progress go from the master's metadata actors into
/// the slave's, probes on both sides.
/// </summary>
public sealed class MetadataCopyActorTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly BrokerSettings Broker = new()
    {
        BrokerName = "broker-a", BrokerId = 1, BrokerRole = BrokerRole.Slave,
        Replication = new ReplicationSettings { MetadataSyncInterval = TimeSpan.FromMilliseconds(500) },
    };
    private readonly TempDirectory _dir = new("metadata-copy");
    private readonly TestProbe _topics;
    private readonly TestProbe _offsets;
    private readonly TestProbe _master;
    private readonly TestProbe _broker;

    public MetadataCopyActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference)
    {
        _topics = CreateTestProbe();
        _offsets = CreateTestProbe();
        _master = CreateTestProbe();
        _broker = CreateTestProbe();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    private string TimerDirectory => _dir.Combine("timer");

    private IActorRef Start(ICanTell? master = null)
    {
        var target = master ?? _master.Ref;
        return Sys.ActorOf(MetadataCopyActor.Props(Broker, _topics.Ref, _offsets.Ref,
            (_, path) => path == "akka://x/user/broker" ? target : ActorRefs.Nobody, _broker.Ref, TimerDirectory));
    }

    /// <summary>The copy asks the slave's own topics and offsets before it applies anything (removals are the difference).</summary>
    private void AnswerOwn(TopicConfig[] topics, params GroupQueueOffset[] offsets)
    {
        _topics.ExpectMsg<GetTopicConfigs>();
        _topics.Reply(new TopicConfigs("broker-a", topics));
        _offsets.ExpectMsg<GetAllConsumerOffsets>();
        _offsets.Reply(new AllConsumerOffsets(offsets));
    }

    [Fact]
    public void A_slave_copies_the_masters_topics_and_offsets_at_once_and_every_interval_until_it_has_no_master()
    {
        var copy = Start();
        copy.Tell(new ReplicaMasterChanged("akka://x/user/broker"));
        Assert.Equal(new GetReplicaMetadata("broker-a", 1), _master.ExpectMsg<GetReplicaMetadata>());
        _master.Reply(new ReplicaMetadata("broker-a", [new TopicConfig("A", 4, 4), new TopicConfig("B", 2, 2)],
            [new ReplicaOffset("G1", "A", 0, 17), new ReplicaOffset("G1", "A", 1, 5), new ReplicaOffset("SCHEDULE_GROUP", "SCHEDULE_TOPIC_XXXX", 2, 9)]));
        AnswerOwn([]);
        Assert.Equal(["A", "B"], new[] { _topics.ExpectMsg<CreateOrUpdateTopic>(), _topics.ExpectMsg<CreateOrUpdateTopic>() }.Select(t => t.Topic.Name));
        var commits = new[] { _offsets.ExpectMsg<CommitOffsets>(), _offsets.ExpectMsg<CommitOffsets>() }.OrderBy(c => c.Group).ToArray();
        Assert.Equal("G1", commits[0].Group);
        Assert.Equal([new QueueOffset("A", 0, 17), new QueueOffset("A", 1, 5)], commits[0].Offsets);
        Assert.Equal([new QueueOffset("SCHEDULE_TOPIC_XXXX", 2, 9)], commits[1].Offsets);
        _broker.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // nothing to delete

        _master.ExpectMsg<GetReplicaMetadata>(TimeSpan.FromSeconds(3)); // the next interval
        copy.Tell(new ReplicaMasterChanged(null));
        // On a slow machine more intervals may have passed before the change is handled. A request the copy serves
        // after the change (it asks its own topics) shows the change was handled; what it sent before is dropped here.
        copy.Tell(new GetReplicaMetadata("broker-b", 1));
        _topics.ExpectMsg<GetTopicConfigs>();
        _master.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => m as GetReplicaMetadata);
        _master.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_topic_the_master_no_longer_has_is_deleted_on_the_slave_through_the_brokers_topic_delete()
    {
        var copy = Start();
        copy.Tell(new ReplicaMasterChanged("akka://x/user/broker"));
        _master.ExpectMsg<GetReplicaMetadata>();
        // The master deleted "Gone"; it still has a retry and a dead-letter topic, which the slave keeps.
        _master.Reply(new ReplicaMetadata("broker-a", [new TopicConfig("A", 4, 4), new TopicConfig("%RETRY%G1", 1, 1), new TopicConfig("%DLQ%G1", 1, 1)], []));
        AnswerOwn([new TopicConfig("A", 4, 4), new TopicConfig("Gone", 2, 2), new TopicConfig("%RETRY%G1", 1, 1), new TopicConfig("%DLQ%G1", 1, 1)]);
        Assert.Equal(new DeleteTopic("Gone"), _broker.ExpectMsg<DeleteTopic>());
        _broker.Reply(new AdminResult(true));
        _broker.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // only that one
        Assert.Equal(["A", "%RETRY%G1", "%DLQ%G1"], Enumerable.Range(0, 3).Select(_ => _topics.ExpectMsg<CreateOrUpdateTopic>().Topic.Name));
    }

    [Fact]
    public void Offsets_the_slave_holds_on_a_topic_and_the_master_does_not_are_dropped_before_the_masters_are_set()
    {
        var copy = Start();
        copy.Tell(new ReplicaMasterChanged("akka://x/user/broker"));
        _master.ExpectMsg<GetReplicaMetadata>();
        // The master deleted and re-created T within one interval: G1's old offset on queue 0 is gone there, G2 committed anew.
        _master.Reply(new ReplicaMetadata("broker-a", [new TopicConfig("T", 2, 2), new TopicConfig("U", 1, 1)],
            [new ReplicaOffset("G2", "T", 1, 3), new ReplicaOffset("G1", "U", 0, 7)]));
        AnswerOwn([new TopicConfig("T", 2, 2), new TopicConfig("U", 1, 1)],
            new GroupQueueOffset("G1", "T", 0, 500), new GroupQueueOffset("G2", "T", 1, 400), new GroupQueueOffset("G1", "U", 0, 6));
        Assert.Equal(new DeleteTopicOffsets("T"), _offsets.ExpectMsg<DeleteTopicOffsets>()); // only T: U's offsets are all on the master
        var commits = new[] { _offsets.ExpectMsg<CommitOffsets>(), _offsets.ExpectMsg<CommitOffsets>() }.OrderBy(c => c.Group).ToArray();
        Assert.Equal([new QueueOffset("U", 0, 7)], commits[0].Offsets);
        Assert.Equal([new QueueOffset("T", 1, 3)], commits[1].Offsets);
        _broker.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // no topic to delete
    }

    [Fact]
    public void A_copy_that_arrives_after_the_slave_lost_its_master_changes_nothing()
    {
        var copy = Start();
        copy.Tell(new ReplicaMasterChanged("akka://x/user/broker"));
        _master.ExpectMsg<GetReplicaMetadata>();
        copy.Tell(new ReplicaMasterChanged(null)); // promoted meanwhile: what the old master says no longer counts
        _master.Reply(new ReplicaMetadata("broker-a", [], []));
        _topics.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        _broker.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_master_answers_with_both_metadata_actors_contents_and_the_timers_progress()
    {
        var copy = Start();
        copy.Tell(new GetReplicaMetadata("broker-a", 1));
        _topics.ExpectMsg<GetTopicConfigs>();
        _topics.Reply(new TopicConfigs("broker-a", [new TopicConfig("A", 4, 4)]));
        _offsets.ExpectMsg<GetAllConsumerOffsets>();
        _offsets.Reply(new AllConsumerOffsets([new GroupQueueOffset("G1", "A", 3, 42)]));
        _broker.ExpectMsg<GetTimerProgress>();
        _broker.Reply(new TimerProgressAnswer(new ReplicaTimerProgress(7, 1_700_000_000_100, long.MaxValue)));
        var metadata = ExpectMsg<ReplicaMetadata>();
        Assert.Equal("A", Assert.Single(metadata.Topics).Name);
        Assert.Equal(new ReplicaOffset("G1", "A", 3, 42), Assert.Single(metadata.Offsets));
        Assert.Equal(new ReplicaTimerProgress(7, 1_700_000_000_100, long.MaxValue), metadata.Timer);
    }

    [Fact]
    public void A_master_without_a_timer_service_answers_without_timer_progress()
    {
        var copy = Start();
        copy.Tell(new GetReplicaMetadata("broker-a", 1));
        _topics.ExpectMsg<GetTopicConfigs>();
        _topics.Reply(new TopicConfigs("broker-a", []));
        _offsets.ExpectMsg<GetAllConsumerOffsets>();
        _offsets.Reply(new AllConsumerOffsets([]));
        _broker.ExpectMsg<GetTimerProgress>();
        _broker.Reply(new TimerProgressAnswer(null));
        Assert.Null(ExpectMsg<ReplicaMetadata>().Timer);
    }

    [Fact]
    public void The_masters_timer_progress_ends_in_the_slaves_store_as_its_timer_handover()
    {
        // The master's side is a real copy actor whose broker answers the timer's progress; the slave copies from it.
        var masterTopics = CreateTestProbe();
        var masterOffsets = CreateTestProbe();
        var masterBroker = CreateTestProbe();
        var masterCopy = Sys.ActorOf(MetadataCopyActor.Props(Broker with { BrokerId = 0, BrokerRole = BrokerRole.AsyncMaster },
            masterTopics.Ref, masterOffsets.Ref, brokerActor: masterBroker.Ref));
        var slaveCopy = Start(masterCopy);
        slaveCopy.Tell(new ReplicaMasterChanged("akka://x/user/broker"));

        masterTopics.ExpectMsg<GetTopicConfigs>();
        masterTopics.Reply(new TopicConfigs("broker-a", []));
        masterOffsets.ExpectMsg<GetAllConsumerOffsets>();
        masterOffsets.Reply(new AllConsumerOffsets([]));
        var progress = new ReplicaTimerProgress(EnqueueOffset: 12, DeliveredBeforeMs: 1_700_000_123_400, LateFromLogOffset: 4096);
        masterBroker.ExpectMsg<GetTimerProgress>();
        masterBroker.Reply(new TimerProgressAnswer(progress));
        AnswerOwn([]);

        var path = TimerHandoverFile.PathIn(TimerDirectory);
        AwaitAssert(() =>
        {
            Assert.Equal(progress, TimerHandoverFile.Read(path, out var problem));
            Assert.Null(problem);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void The_copy_with_the_timers_progress_survives_the_remote_serializer()
    {
        var metadata = new ReplicaMetadata("broker-a", [new TopicConfig("A", 4, 4)], [new ReplicaOffset("G1", "A", 3, 42)],
            new ReplicaTimerProgress(12, 1_700_000_123_400, long.MaxValue));
        var serializer = Sys.Serialization.FindSerializerFor(metadata);
        Assert.Equal("HyperionSerializer", serializer.GetType().Name);
        var back = (ReplicaMetadata)Sys.Serialization.Deserialize(serializer.ToBinary(metadata), serializer.Identifier, typeof(ReplicaMetadata));
        Assert.Equal(metadata.Timer, back.Timer);
        Assert.Equal(metadata.Offsets, back.Offsets);
        Assert.Equal(metadata.Topics, back.Topics);
    }
}
