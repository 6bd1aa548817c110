using Akka.Actor;
using Akka.TestKit;
using Rocket.Broker;
using Rocket.Broker.Metadata;
using Rocket.Broker.Replication;
using Rocket.Protocol;
using Xunit;

namespace Rocket.Tests.Broker.Replication;

/// <summary>Topic configs and consumer offsets go from the master's metadata actors into the slave's, probes on both sides.</summary>
public sealed class MetadataCopyActorTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly BrokerSettings Broker = new()
    {
        BrokerName = "broker-a", BrokerId = 1, BrokerRole = BrokerRole.Slave,
        Replication = new ReplicationSettings { MetadataSyncInterval = TimeSpan.FromMilliseconds(500) },
    };
    private readonly TestProbe _topics;
    private readonly TestProbe _offsets;
    private readonly TestProbe _master;

    public MetadataCopyActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference)
    {
        _topics = CreateTestProbe();
        _offsets = CreateTestProbe();
        _master = CreateTestProbe();
    }

    private IActorRef Start()
    {
        var master = _master.Ref;
        return Sys.ActorOf(MetadataCopyActor.Props(Broker, _topics.Ref, _offsets.Ref, (_, path) => path == "akka://x/user/broker" ? master : ActorRefs.Nobody));
    }

    [Fact]
    public void A_slave_copies_the_masters_topics_and_offsets_at_once_and_every_interval_until_it_has_no_master()
    {
        var copy = Start();
        copy.Tell(new ReplicaMasterChanged("akka://x/user/broker"));
        Assert.Equal(new GetReplicaMetadata("broker-a", 1), _master.ExpectMsg<GetReplicaMetadata>());
        _master.Reply(new ReplicaMetadata("broker-a", [new TopicConfig("A", 4, 4), new TopicConfig("B", 2, 2)],
            [new ReplicaOffset("G1", "A", 0, 17), new ReplicaOffset("G1", "A", 1, 5), new ReplicaOffset("SCHEDULE_GROUP", "SCHEDULE_TOPIC_XXXX", 2, 9)]));
        Assert.Equal(["A", "B"], new[] { _topics.ExpectMsg<CreateOrUpdateTopic>(), _topics.ExpectMsg<CreateOrUpdateTopic>() }.Select(t => t.Topic.Name));
        var commits = new[] { _offsets.ExpectMsg<CommitOffsets>(), _offsets.ExpectMsg<CommitOffsets>() }.OrderBy(c => c.Group).ToArray();
        Assert.Equal("G1", commits[0].Group);
        Assert.Equal([new QueueOffset("A", 0, 17), new QueueOffset("A", 1, 5)], commits[0].Offsets);
        Assert.Equal([new QueueOffset("SCHEDULE_TOPIC_XXXX", 2, 9)], commits[1].Offsets);

        _master.ExpectMsg<GetReplicaMetadata>(TimeSpan.FromSeconds(3)); // the next interval
        copy.Tell(new ReplicaMasterChanged(null));
        _master.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_master_answers_with_both_metadata_actors_contents()
    {
        var copy = Start();
        copy.Tell(new GetReplicaMetadata("broker-a", 1));
        _topics.ExpectMsg<GetTopicConfigs>();
        _topics.Reply(new TopicConfigs("broker-a", [new TopicConfig("A", 4, 4)]));
        _offsets.ExpectMsg<GetAllConsumerOffsets>();
        _offsets.Reply(new AllConsumerOffsets([new GroupQueueOffset("G1", "A", 3, 42)]));
        var metadata = ExpectMsg<ReplicaMetadata>();
        Assert.Equal("A", Assert.Single(metadata.Topics).Name);
        Assert.Equal(new ReplicaOffset("G1", "A", 3, 42), Assert.Single(metadata.Offsets));
    }
}
