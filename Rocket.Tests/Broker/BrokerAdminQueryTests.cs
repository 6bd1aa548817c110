using System.Text;
using Akka.Actor;
using Rocket.Broker;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker;

/// <summary>The broker's admin questions (Broker/Admin) through its front door, over a real store.</summary>
public class BrokerAdminQueryTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TempDirectory _dir = new("broker-admin");
    private long _requestId;

    public BrokerAdminQueryTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    private IActorRef StartBroker(params TopicConfig[] topics)
    {
        var store = MessageStore.Open(TestMessages.SmallStore(_dir.Path));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory(topics), InMemoryOffsetsActor.Props(), Publisher: null);
        return Sys.ActorOf(BrokerActor.Props(store, new BrokerSettings(), parts), BrokerActor.Name);
    }

    private static WireMessage Wire(string topic, int queueId, byte[] body, string? keys, string uniqueKey) =>
        new(topic, queueId, body, MessageProperties.Encode(keys is null
            ? [new("UNIQ_KEY", uniqueKey)]
            : [new("KEYS", keys), new("UNIQ_KEY", uniqueKey)]), 0, 1_700_000_000_000);

    private ProduceResult[] Produce(IActorRef broker, params WireMessage[] messages)
    {
        broker.Tell(new ProduceRequest(++_requestId, messages));
        var results = ExpectMsg<ProduceResponse>(r => r.RequestId == _requestId, TimeSpan.FromSeconds(30)).Results;
        Assert.All(results, r => Assert.Equal(ProduceStatus.Ok, r.Status));
        return results;
    }

    private MessagesFound Ask(IActorRef broker, object query)
    {
        broker.Tell(query);
        return ExpectMsg<MessagesFound>(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Messages_are_found_by_key_by_unique_key_in_any_topic_and_by_commit_log_offset()
    {
        var broker = StartBroker(new TopicConfig("Orders", 2, 2), new TopicConfig("Other", 1, 1));
        var stored = Produce(broker,
            Wire("Orders", 0, "first"u8.ToArray(), "order-1 customer-9", "ID-A"),
            Wire("Orders", 1, [0xff, 0x00, 0x10], "order-2", "ID-B"),
            Wire("Other", 0, "third"u8.ToArray(), "order-1", "ID-C"));

        // The index is a projection: it catches up within moments.
        AwaitAssert(() => Assert.Single(Ask(broker, new QueryMessagesByKey("Orders", "order-2", 64, 0, long.MaxValue)).Messages),
            TimeSpan.FromSeconds(10));

        var byKey = Ask(broker, new QueryMessagesByKey("Orders", "order-1", 64, 0, long.MaxValue));
        Assert.Null(byKey.Error);
        var first = Assert.Single(byKey.Messages); // "Other" has order-1 too: keys are per topic
        Assert.Equal(("Orders", 0, 0L, stored[0].PhysicalOffset, "first"), (first.Topic, first.QueueId, first.QueueOffset, first.PhysicalOffset, Encoding.UTF8.GetString(first.Body)));
        Assert.Equal(stored[0].StoreTimestamp, first.StoreTimestamp);
        Assert.Equal(1_700_000_000_000, first.BornTimestamp);
        Assert.Equal("customer-9 order-1".Split(' ').Order(), MessageProperties.Get(first.Properties, "KEYS")!.Split(' ').Order());
        Assert.Single(Ask(broker, new QueryMessagesByKey("Orders", "customer-9", 64, 0, long.MaxValue)).Messages);
        Assert.Empty(Ask(broker, new QueryMessagesByKey("Orders", "order-1", 64, 0, stored[0].StoreTimestamp - 1)).Messages); // outside the time range
        Assert.Empty(Ask(broker, new QueryMessagesByKey("Orders", "nobody", 64, 0, long.MaxValue)).Messages);

        var third = Assert.Single(Ask(broker, new GetMessageByUniqueKey("ID-C", Topic: null)).Messages);
        Assert.Equal(("Other", stored[2].PhysicalOffset), (third.Topic, third.PhysicalOffset));
        Assert.Empty(Ask(broker, new GetMessageByUniqueKey("ID-C", "Orders")).Messages);
        Assert.Empty(Ask(broker, new GetMessageByUniqueKey("order-1", null)).Messages); // a business key is not an id

        var second = Assert.Single(Ask(broker, new GetMessageByOffset(stored[1].PhysicalOffset)).Messages);
        Assert.Equal(("Orders", 1), (second.Topic, second.QueueId));
        Assert.Equal(new byte[] { 0xff, 0x00, 0x10 }, second.Body);
        Assert.Empty(Ask(broker, new GetMessageByOffset(stored[1].PhysicalOffset + 1)).Messages); // not where a record starts
        Assert.Empty(Ask(broker, new GetMessageByOffset(1L << 40)).Messages);                       // beyond the log
    }

    [Fact]
    public void Bad_questions_are_answered_with_the_reason()
    {
        var broker = StartBroker(new TopicConfig("Orders", 1, 1));
        Assert.Contains("empty", Ask(broker, new QueryMessagesByKey("Orders", " ", 64, 0, long.MaxValue)).Error);
        Assert.Contains("at least 1", Ask(broker, new QueryMessagesByKey("Orders", "k", 0, 0, long.MaxValue)).Error);
        Assert.Contains("begins", Ask(broker, new QueryMessagesByKey("Orders", "k", 5, 10, 5)).Error);
        Assert.Contains("topic", Ask(broker, new QueryMessagesByKey("bad topic!", "k", 5, 0, 5)).Error);
    }

    [Fact]
    public void Stats_give_role_store_use_log_offsets_and_the_messages_appended_and_delivered_in_the_last_minute()
    {
        var broker = StartBroker(new TopicConfig("Orders", 1, 1));
        Produce(broker, Wire("Orders", 0, "a"u8.ToArray(), null, "1"), Wire("Orders", 0, "b"u8.ToArray(), null, "2"), Wire("Orders", 0, "c"u8.ToArray(), null, "3"));
        long delivered = 0; // a pull before the projection caught up delivers fewer: every delivery counts
        AwaitAssert(() =>
        {
            broker.Tell(new PullRequest(++_requestId, "g", "Orders", 0, 0, 32, null, 0));
            int pulled = ExpectMsg<PullResponse>().Messages.Length;
            delivered += pulled;
            Assert.Equal(3, pulled);
        }, TimeSpan.FromSeconds(10));

        // Counted per whole second: the figures show once the second they fell in has passed.
        AwaitAssert(() =>
        {
            broker.Tell(QueryBrokerStats.Instance);
            var stats = ExpectMsg<BrokerStats>();
            Assert.Null(stats.Error);
            Assert.Equal(("ASYNC_MASTER", 0L), (stats.Role, stats.BrokerId));
            Assert.Equal(3, stats.AppendedLastMinute);
            Assert.Equal(delivered, stats.DeliveredLastMinute);
            Assert.True(stats.CommitLogMaxOffset > 0);
            Assert.True(stats.StoreBytes >= stats.CommitLogMaxOffset, $"store bytes {stats.StoreBytes}");
            Assert.True(stats.DiskFreeBytes > 0 && stats.DiskTotalBytes >= stats.DiskFreeBytes);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
    }

    /// <summary>A stand-in consumer: its child pulls, as a client's queue pullers are children of its consumer actor.</summary>
    private sealed class FakeConsumer : ReceiveActor
    {
        public FakeConsumer(IActorRef probe)
        {
            var puller = Context.ActorOf(Props.Create(() => new Forwarder(probe)), "queue-1");
            Receive<PullRequest>(p => puller.Tell(p));
            Receive<RebalanceNeeded>(_ => { }); // the broker's notice to members: not what the tests look at
        }
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef probe)
        {
            Receive<PullRequest>(p => Context.ActorSelection("/user/" + BrokerActor.Name).Tell(p, Self));
            ReceiveAny(m => probe.Tell(m));
        }
    }

    [Fact]
    public void Group_detail_lists_members_with_subscriptions_and_every_subscribed_queue_with_owner_offsets_and_activity()
    {
        var broker = StartBroker(new TopicConfig("Orders", 3, 3), new TopicConfig("Quiet", 2, 2));
        var consumer = Sys.ActorOf(Props.Create(() => new FakeConsumer(TestActor)), "consumer");
        broker.Tell(new ConsumerHeartbeat("client-1", "G", MessageModel.Clustering, ["Orders", "Quiet"], consumer,
            [new SubscriptionInfo("Orders", "TagA || TagB", "TAG"), new SubscriptionInfo("Quiet", "*", "TAG")]));
        Produce(broker, Wire("Orders", 1, "x"u8.ToArray(), null, "1"), Wire("Orders", 1, "y"u8.ToArray(), null, "2"));
        consumer.Tell(new PullRequest(++_requestId, "G", "Orders", 1, 0, 32, null, 0));
        FishForMessage(m => m is PullResponse, TimeSpan.FromSeconds(10));
        broker.Tell(new CommitOffsets("G", [new QueueOffset("Orders", 1, 1)]));

        AwaitAssert(() =>
        {
            broker.Tell(new QueryGroupDetail("G"));
            var detail = FishForMessage<GroupDetail>(_ => true, TimeSpan.FromSeconds(10));
            var member = Assert.Single(detail.Members);
            Assert.Equal(("client-1", MessageModel.Clustering), (member.ClientId, member.Model));
            Assert.Equal(consumer.Path.Address.ToString(), member.Address);
            Assert.Contains(new SubscriptionInfo("Orders", "TagA || TagB", "TAG"), member.Subscriptions);

            // Every readable queue of both subscribed topics, committed or not.
            Assert.Equal(["Orders#0", "Orders#1", "Orders#2", "Quiet#0", "Quiet#1"], detail.Queues.Select(q => $"{q.Topic}#{q.QueueId}"));
            var pulled = detail.Queues.Single(q => q.Topic == "Orders" && q.QueueId == 1);
            Assert.Equal(("client-1", 2L, 1L), (pulled.Owner, pulled.BrokerOffset, pulled.ConsumerOffset));
            Assert.True(pulled.LastPullTimestamp > 0 && pulled.LastCommitTimestamp >= pulled.LastPullTimestamp);
            var idle = detail.Queues.Single(q => q.Topic == "Quiet" && q.QueueId == 0);
            Assert.Equal((null, -1L, 0L, 0L), (idle.Owner, idle.ConsumerOffset, idle.LastPullTimestamp, idle.LastCommitTimestamp));
        }, TimeSpan.FromSeconds(10));

        broker.Tell(new QueryGroupProgress("G"));
        var progress = FishForMessage<GroupProgress>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(5, progress.Queues.Length); // progress lists the uncommitted queues too
        Assert.Equal(-1, progress.Queues.Single(q => q.Topic == "Quiet" && q.QueueId == 1).ConsumerOffset);
    }
}
