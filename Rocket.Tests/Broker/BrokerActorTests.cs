using System.Text;
using Akka.Actor;
using Rocket.Broker;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker;

public class BrokerActorTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TempDirectory _dir = new("broker");
    private long _requestId;

    public BrokerActorTests() : base(Rocket.Settings.RocketConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    private IActorRef StartBroker(BrokerSettings? settings = null, params TopicConfig[] topics)
    {
        var store = MessageStore.Open(TestMessages.SmallStore(_dir.Path));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory(topics), InMemoryOffsetsActor.Props(), Publisher: null);
        return Sys.ActorOf(BrokerActor.Props(store, settings ?? new BrokerSettings(), parts), BrokerActor.Name);
    }

    private static WireMessage Wire(string topic, int queueId, string body, string? tag = null) =>
        new(topic, queueId, Encoding.UTF8.GetBytes(body),
            tag is null ? null : Rocket.Protocol.MessageProperties.Encode([new("TAGS", tag)]), 0, 1_700_000_000_000);

    private ProduceResponse Produce(IActorRef broker, params WireMessage[] messages)
    {
        broker.Tell(new ProduceRequest(++_requestId, messages));
        return ExpectMsg<ProduceResponse>(r => r.RequestId == _requestId);
    }

    private PullResponse Pull(IActorRef broker, string topic, int queueId, long offset, string? tags = null, long suspend = 0)
    {
        broker.Tell(new PullRequest(++_requestId, "g", topic, queueId, offset, 32, tags, suspend));
        return ExpectMsg<PullResponse>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Produced_messages_get_offsets_and_can_be_pulled()
    {
        var broker = StartBroker(null, new TopicConfig("T", 4, 4));
        var response = Produce(broker, Wire("T", 1, "a"), Wire("T", 1, "b"), Wire("T", 2, "c"));
        Assert.All(response.Results, r => Assert.Equal(ProduceStatus.Ok, r.Status));
        Assert.Equal([0L, 1L, 0L], response.Results.Select(r => r.QueueOffset));
        Assert.Equal([1, 1, 2], response.Results.Select(r => r.QueueId));

        AwaitAssert(() =>
        {
            var pulled = Pull(broker, "T", 1, 0);
            Assert.Equal(PullStatus.Found, pulled.Status);
            Assert.Equal(["a", "b"], pulled.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
            Assert.Equal(2, pulled.NextOffset);
        });
    }

    [Fact]
    public void A_queue_the_topic_does_not_have_is_rejected_by_name()
    {
        var broker = StartBroker(null, new TopicConfig("T", 4, 4));
        var result = Produce(broker, Wire("T", 9, "x")).Results.Single();
        Assert.Equal(ProduceStatus.QueueIdIllegal, result.Status);
        Assert.Contains("queue 9", result.Error);
    }

    [Fact]
    public void Unknown_topics_are_created_on_first_send_when_auto_create_is_on()
    {
        var broker = StartBroker(new BrokerSettings { AutoCreateTopicEnable = true, DefaultTopicQueueNums = 8 });
        Assert.Equal(ProduceStatus.Ok, Produce(broker, Wire("NewTopic", 7, "x")).Results.Single().Status);
        broker.Tell(GetTopicConfigs.Instance);
        Assert.Contains(ExpectMsg<TopicConfigs>().Topics, t => t.Name == "NewTopic" && t.WriteQueues == 8);
    }

    [Fact]
    public void Unknown_topics_are_rejected_with_a_clear_error_when_auto_create_is_off()
    {
        var broker = StartBroker(new BrokerSettings { AutoCreateTopicEnable = false });
        var result = Produce(broker, Wire("Nope", 0, "x")).Results.Single();
        Assert.Equal(ProduceStatus.TopicNotExist, result.Status);
        Assert.Contains("'Nope' does not exist", result.Error);
        Assert.Equal(PullStatus.NoNewMessage, Pull(broker, "Nope", 0, 0).Status);
    }

    [Fact]
    public void Tag_expressions_filter_on_the_broker()
    {
        var broker = StartBroker(null, new TopicConfig("T", 1, 1));
        Produce(broker, Wire("T", 0, "1", "A"), Wire("T", 0, "2", "B"), Wire("T", 0, "3", "C"), Wire("T", 0, "4"));
        AwaitAssert(() => Assert.Equal(["1", "3"], Pull(broker, "T", 0, 0, "A || C").Messages.Select(m => Encoding.UTF8.GetString(m.Body))));
        Assert.Equal(4, Pull(broker, "T", 0, 0, "*").Messages.Length);
    }

    [Fact]
    public void A_pull_with_nothing_new_is_held_and_answered_as_soon_as_a_message_arrives()
    {
        var broker = StartBroker(null, new TopicConfig("T", 1, 1));
        var consumer = CreateTestProbe();
        broker.Tell(new PullRequest(1, "g", "T", 0, 0, 32, null, 20_000), consumer.Ref);
        consumer.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // held, not answered empty

        Produce(broker, Wire("T", 0, "wake"));
        var response = consumer.ExpectMsg<PullResponse>(TimeSpan.FromSeconds(3)); // far less than the 20 s hold
        Assert.Equal(PullStatus.Found, response.Status);
        Assert.Equal("wake", Encoding.UTF8.GetString(response.Messages.Single().Body));
    }

    [Fact]
    public void A_held_pull_is_answered_empty_when_its_suspend_time_runs_out()
    {
        var broker = StartBroker(null, new TopicConfig("T", 1, 1));
        broker.Tell(new PullRequest(1, "g", "T", 0, 0, 32, null, 500));
        var response = ExpectMsg<PullResponse>(TimeSpan.FromSeconds(5));
        Assert.Equal(PullStatus.NoNewMessage, response.Status);
        Assert.Equal(0, response.NextOffset);
    }

    [Fact]
    public void Group_members_are_told_to_rebalance_when_membership_changes()
    {
        var broker = StartBroker(null, new TopicConfig("T", 4, 4));
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        broker.Tell(new ConsumerHeartbeat("client-1", "G", MessageModel.Clustering, ["T"], c1.Ref));
        c1.ExpectMsg<RebalanceNeeded>();
        broker.Tell(new ConsumerHeartbeat("client-2", "G", MessageModel.Clustering, ["T"], c2.Ref));
        c1.ExpectMsg<RebalanceNeeded>();
        c2.ExpectMsg<RebalanceNeeded>();
        broker.Tell(new GetConsumerIds("G"));
        Assert.Equal(["client-1", "client-2"], ExpectMsg<ConsumerIds>().ClientIds);

        // A repeated heartbeat changes nothing; a dead consumer leaves at once.
        broker.Tell(new ConsumerHeartbeat("client-1", "G", MessageModel.Clustering, ["T"], c1.Ref));
        Sys.Stop(c2.Ref);
        c1.ExpectMsg<RebalanceNeeded>();
        broker.Tell(new GetConsumerIds("G"));
        Assert.Equal(["client-1"], ExpectMsg<ConsumerIds>().ClientIds);
    }

    [Fact]
    public void Offsets_and_progress_are_reported()
    {
        var broker = StartBroker(null, new TopicConfig("T", 2, 2));
        Produce(broker, Wire("T", 0, "a"), Wire("T", 0, "b"), Wire("T", 1, "c"));
        broker.Tell(new CommitOffsets("G", [new QueueOffset("T", 0, 1)]));
        broker.Tell(new QueryOffset("G", "T", 0));
        Assert.Equal(1, ExpectMsg<OffsetAnswer>().Offset);
        AwaitAssert(() =>
        {
            broker.Tell(new QueryQueueOffsets("T", 0));
            Assert.Equal(2, ExpectMsg<QueueOffsets>().MaxOffset);
        });
        broker.Tell(new QueryGroupProgress("G"));
        var progress = ExpectMsg<GroupProgress>();
        Assert.Equal(new QueueProgress("T", 0, 2, 1), progress.Queues.Single());
    }
}
