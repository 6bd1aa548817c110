using System.Text;
using Akka.Actor;
using Rocket.Broker;
using Rocket.Broker.Metadata;
using Rocket.Broker.Produce;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Log;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Retry;

/// <summary>Retry and dead letters through the whole broker actor (real store, in-memory metadata).</summary>
public class RetryBrokerTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TempDirectory _dir = new("retry-broker");
    private long _requestId;

    public RetryBrokerTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    private IActorRef StartBroker(params TopicConfig[] topics)
    {
        var store = MessageStore.Open(TestMessages.SmallStore(_dir.Path));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory(topics), InMemoryOffsetsActor.Props(), Publisher: null);
        return Sys.ActorOf(BrokerActor.Props(store, new BrokerSettings { AutoCreateTopicEnable = false }, parts), BrokerActor.Name);
    }

    private ProduceResult Produce(IActorRef broker, WireMessage message)
    {
        broker.Tell(new ProduceRequest(++_requestId, [message]));
        return ExpectMsg<ProduceResponse>(r => r.RequestId == _requestId, TimeSpan.FromSeconds(30)).Results.Single(); // the first waits for the broker to start
    }

    private PulledMessage PullOne(IActorRef broker, string topic)
    {
        PulledMessage? found = null;
        AwaitAssert(() =>
        {
            broker.Tell(new PullRequest(++_requestId, "g", topic, 0, 0, 32, null, 0));
            var response = ExpectMsg<PullResponse>(TimeSpan.FromSeconds(30));
            Assert.Equal(PullStatus.Found, response.Status);
            found = response.Messages.Single();
        }, TimeSpan.FromSeconds(10));
        return found!;
    }

    private TopicConfig[] Topics(IActorRef broker)
    {
        broker.Tell(GetTopicConfigs.Instance);
        return ExpectMsg<TopicConfigs>().Topics;
    }

    private static WireMessage Wire(string topic, params (string Name, string Value)[] properties) =>
        new(topic, 0, Encoding.UTF8.GetBytes("payload"),
            MessageProperties.Encode(properties.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)).Append(new KeyValuePair<string, string>(MessageProperties.UniqueKey, "ID-9"))),
            0, 1_700_000_000_000);

    [Fact]
    public void A_message_at_max_reconsume_times_lands_in_the_dead_letter_queue_and_can_be_pulled_there()
    {
        var broker = StartBroker(new TopicConfig("Orders", 1, 1));
        Produce(broker, Wire("Orders", (MessageProperties.Tags, "TagA")));
        var original = PullOne(broker, "Orders");

        broker.Tell(new ConsumerSendBack(1, "G1", original.PhysicalOffset, "ID-9", 0, MaxReconsumeTimes: 0));
        Assert.Equal(new SendBackResult(1, true, "%DLQ%G1", null), ExpectMsg<SendBackResult>(TimeSpan.FromSeconds(30)));

        var dead = PullOne(broker, "%DLQ%G1");
        Assert.Equal("payload", Encoding.UTF8.GetString(dead.Body));
        Assert.Equal(1, dead.ReconsumeTimes);
        Assert.Equal(original.BornTimestamp, dead.BornTimestamp);
        Assert.Equal("Orders", MessageProperties.Get(dead.Properties, MessageProperties.RetryTopic));
        Assert.Equal("ID-9", MessageProperties.Get(dead.Properties, MessageProperties.OriginMessageId));
        Assert.Equal("TagA", MessageProperties.Get(dead.Properties, MessageProperties.Tags));
        Assert.Contains(Topics(broker), t => t == new TopicConfig("%DLQ%G1", 1, 1, TopicPerm.ReadWrite));
    }

    [Fact]
    public void A_clustering_heartbeat_creates_the_retry_topic_with_one_read_write_queue_and_a_broadcasting_one_does_not()
    {
        var broker = StartBroker(new TopicConfig("Orders", 1, 1));
        var consumer = CreateTestProbe(); // gets the rebalance notices, which must not reach the test actor's queries
        broker.Tell(new ConsumerHeartbeat("c1", "Bcast", MessageModel.Broadcasting, ["Orders"], consumer.Ref));
        broker.Tell(new ConsumerHeartbeat("c1", "G1", MessageModel.Clustering, ["Orders"], consumer.Ref));
        AwaitAssert(() => Assert.Contains(Topics(broker), t => t == new TopicConfig("%RETRY%G1", 1, 1, TopicPerm.ReadWrite)));
        Assert.DoesNotContain(Topics(broker), t => t.Name == "%RETRY%Bcast");
    }

    [Fact]
    public void A_producer_writing_to_a_retry_topic_past_its_max_reconsume_times_writes_to_the_dead_letter_queue()
    {
        var broker = StartBroker(new TopicConfig("%RETRY%G1", 1, 1));
        var result = Produce(broker, Wire("%RETRY%G1", (MessageProperties.ReconsumeTime, "3"), (MessageProperties.MaxReconsumeTimes, "3")));
        Assert.Equal(ProduceStatus.Ok, result.Status); // the DLQ is created even with auto-create off, as RocketMQ does
        var dead = PullOne(broker, "%DLQ%G1");
        Assert.Equal(3, dead.ReconsumeTimes);

        var bad = Produce(broker, Wire("%RETRY%G1", (MessageProperties.ReconsumeTime, "-1")));
        Assert.Equal(ProduceStatus.MessageIllegal, bad.Status);
        Assert.Contains("RECONSUME_TIME='-1' is not a non-negative whole number", bad.Error);
    }

    [Fact]
    public void Internal_writes_keep_every_record_field_and_need_an_existing_writable_topic()
    {
        var journal = CreateTestProbe();
        var produce = Sys.ActorOf(ProduceActor.Props(new BrokerSettings(), journal.Ref, CreateTestProbe().Ref));
        journal.ExpectMsg<GetJournal>();
        produce.Tell(new TopicTableChanged(new Dictionary<string, TopicConfig>
        {
            ["%RETRY%G1"] = new("%RETRY%G1", 1, 1), ["ReadOnly"] = new("ReadOnly", 1, 1, TopicPerm.Read),
        }));
        var record = TestMessages.Message("%RETRY%G1") with { ReconsumeTimes = 4, Flag = 3 };
        produce.Tell(new AppendInternal(5, [record, TestMessages.Message("Nope"), TestMessages.Message("ReadOnly")]));

        var batch = journal.ExpectMsg<AppendBatch>();
        Assert.Equal([record], batch.Messages);
        journal.Reply(new BatchAppended(batch.BatchId, [new AppendResult(AppendStatus.Ok, 0, 100, 1, 50)]));
        var answer = ExpectMsg<InternalAppended>();
        Assert.Equal(5, answer.RequestId);
        Assert.Equal([AppendStatus.Ok, AppendStatus.MessageIllegal, AppendStatus.MessageIllegal], answer.Results.Select(r => r.Status));
        Assert.Contains("topic 'Nope' does not exist", answer.Results[1].Error);
        Assert.Contains("topic 'ReadOnly' is not writable", answer.Results[2].Error);
    }
}
