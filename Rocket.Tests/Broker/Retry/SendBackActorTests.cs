using System.Text;
using Akka.Actor;
using Akka.TestKit;
using Rocket.Broker;
using Rocket.Broker.Metadata;
using Rocket.Broker.Replication;
using Rocket.Broker.Retry;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Log;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Retry;

/// <summary>
/// The send-back handler between a real store (it reads the message at the offset) and probes standing for the
/// produce and topic actors, so each step is seen: topic creation, the write, and the answer only after the write.
/// </summary>
public class SendBackActorTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TempDirectory _dir = new("send-back");
    private readonly MessageStore _store;
    private readonly TestProbe _produce;
    private readonly TestProbe _topics;

    public SendBackActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference)
    {
        _store = MessageStore.Open(TestMessages.SmallStore(_dir.Path));
        _produce = CreateTestProbe();
        _topics = CreateTestProbe();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _store.Dispose();
        _dir.Dispose();
    }

    private IActorRef Start(params string[] topics) => Start(0, topics);

    private IActorRef Start(long brokerId, params string[] topics) =>
        Start(brokerId, new BrokerRoleState(brokerId == 0 ? BrokerRole.AsyncMaster : BrokerRole.Slave, 0), topics);

    private IActorRef Start(long brokerId, BrokerRoleState role, params string[] topics)
    {
        var actor = Sys.ActorOf(SendBackActor.Props(_store, new BrokerSettings { BrokerName = "b1", BrokerId = brokerId }, role, _produce.Ref, _topics.Ref, delayLevels: 18));
        actor.Tell(new TopicTableChanged(topics.ToDictionary(t => t, t => new TopicConfig(t, 1, 1))));
        return actor;
    }

    private long Stored(int reconsumeTimes = 0) =>
        _store.AppendAll(TestMessages.Message("Orders", uniqueKey: "ID-1", tags: "TagA") with { ReconsumeTimes = reconsumeTimes })[0].PhysicalOffset;

    [Fact]
    public void A_send_back_is_answered_only_after_its_write_is_acknowledged()
    {
        var actor = Start("%RETRY%G1");
        long offset = Stored();
        actor.Tell(new ConsumerSendBack(7, "G1", offset, "ID-1", 0, 16));

        var write = _produce.ExpectMsg<AppendInternal>();
        var record = write.Messages.Single();
        Assert.Equal(("%RETRY%G1", 0, 1), (record.Topic, record.QueueId, record.ReconsumeTimes));
        Assert.Equal("3", MessageProperties.Get(record.Properties, MessageProperties.DelayLevel));
        Assert.Equal("Orders", MessageProperties.Get(record.Properties, MessageProperties.RetryTopic));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // not before the journal answered

        _produce.Reply(new InternalAppended(write.RequestId, [new AppendResult(AppendStatus.Ok, 0, 9000, 1, 100)]));
        Assert.Equal(new SendBackResult(7, true, "%RETRY%G1", null), ExpectMsg<SendBackResult>());
    }

    [Fact]
    public void A_failed_write_is_a_failed_send_back_naming_the_cause()
    {
        var actor = Start("%RETRY%G1");
        actor.Tell(new ConsumerSendBack(7, "G1", Stored(), "ID-1", 0, 16));
        var write = _produce.ExpectMsg<AppendInternal>();
        _produce.Reply(new InternalAppended(write.RequestId, [AppendResult.Failed(AppendStatus.ServiceNotAvailable, "disk full")]));
        var result = ExpectMsg<SendBackResult>();
        Assert.False(result.Ok);
        Assert.Contains("writing it to %RETRY%G1 failed: ServiceNotAvailable: disk full", result.Error);
    }

    [Fact]
    public void The_dead_letter_topic_is_created_with_one_queue_before_the_first_dead_letter_is_written()
    {
        var actor = Start();
        actor.Tell(new ConsumerSendBack(1, "G1", Stored(reconsumeTimes: 2), "ID-1", 0, MaxReconsumeTimes: 2));

        Assert.Equal(new EnsureTopic("%DLQ%G1", 1), _topics.ExpectMsg<EnsureTopic>());
        _produce.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        _topics.Reply(new TopicEnsured("%DLQ%G1", new TopicConfig("%DLQ%G1", 1, 1), null));
        _produce.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // not before the produce actor's table has the topic
        actor.Tell(new TopicTableChanged(new Dictionary<string, TopicConfig> { ["%DLQ%G1"] = new("%DLQ%G1", 1, 1) }));
        var record = _produce.ExpectMsg<AppendInternal>().Messages.Single();
        Assert.Equal(("%DLQ%G1", 3), (record.Topic, record.ReconsumeTimes));
        Assert.Null(MessageProperties.Get(record.Properties, MessageProperties.DelayLevel));
    }

    [Fact]
    public void A_topic_that_cannot_be_created_fails_the_send_back()
    {
        var actor = Start();
        actor.Tell(new ConsumerSendBack(1, "G1", Stored(), "ID-1", 0, 16));
        _topics.ExpectMsg<EnsureTopic>();
        _topics.Reply(new TopicEnsured("%RETRY%G1", null, "no room"));
        var result = ExpectMsg<SendBackResult>();
        Assert.False(result.Ok);
        Assert.Equal("broker b1: topic '%RETRY%G1' could not be created: no room", result.Error);
    }

    [Fact]
    public void A_bad_offset_another_messages_id_or_a_bad_group_is_refused_and_nothing_is_written()
    {
        var actor = Start("%RETRY%G1");
        long offset = Stored();
        actor.Tell(new ConsumerSendBack(1, "G1", offset + 3, "ID-1", 0, 16));
        Assert.Contains("no message at physical offset", ExpectMsg<SendBackResult>().Error);
        actor.Tell(new ConsumerSendBack(2, "G1", offset, "ID-2", 0, 16));
        Assert.Contains("has id 'ID-1', not 'ID-2'", ExpectMsg<SendBackResult>().Error);
        actor.Tell(new ConsumerSendBack(3, "bad group!", offset, "ID-1", 0, 16));
        Assert.Contains("has characters outside", ExpectMsg<SendBackResult>().Error);
        actor.Tell(new ConsumerSendBack(4, "G1", offset, "ID-1", 0, -1));
        Assert.Contains("max reconsume times -1 is negative", ExpectMsg<SendBackResult>().Error);
        _produce.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_slave_refuses_send_backs()
    {
        var actor = Start(brokerId: 1, "%RETRY%G1");
        actor.Tell(new ConsumerSendBack(1, "G1", Stored(), "ID-1", 0, 16));
        Assert.Equal("broker b1 #1 is a slave (epoch 0) and does not accept writes; its group's master does", ExpectMsg<SendBackResult>().Error);
        _produce.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void The_run_time_role_decides_a_demoted_master_refuses_send_backs_and_a_promoted_slave_takes_them()
    {
        var role = new BrokerRoleState(BrokerRole.AsyncMaster, 1);
        var master = Start(brokerId: 0, role, "%RETRY%G1");
        role.Set(BrokerRole.Slave, 2); // told to follow broker 1, the new master of epoch 2
        master.Tell(new ConsumerSendBack(1, "G1", Stored(), "ID-1", 0, 16));
        Assert.Equal("broker b1 #0 is a slave (epoch 2) and does not accept writes; its group's master does", ExpectMsg<SendBackResult>().Error);
        _produce.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        var promoted = new BrokerRoleState(BrokerRole.Slave, 1);
        var slave = Start(brokerId: 1, promoted, "%RETRY%G1");
        promoted.Set(BrokerRole.AsyncMaster, 2); // promoted by failover
        slave.Tell(new ConsumerSendBack(2, "G1", Stored(), "ID-1", 0, 16));
        Assert.Equal("%RETRY%G1", _produce.ExpectMsg<AppendInternal>().Messages.Single().Topic);
    }

    [Fact]
    public void A_clustering_heartbeat_creates_the_groups_retry_topic_once()
    {
        var actor = Start();
        actor.Tell(new EnsureRetryTopic("G1"));
        actor.Tell(new EnsureRetryTopic("G1")); // a creation under way is not asked for again
        Assert.Equal(new EnsureTopic("%RETRY%G1", 1), _topics.ExpectMsg<EnsureTopic>());
        var asker = _topics.LastSender;
        _topics.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        asker.Tell(new TopicEnsured("%RETRY%G1", new TopicConfig("%RETRY%G1", 1, 1), null), _topics.Ref);
        actor.Tell(new TopicTableChanged(new Dictionary<string, TopicConfig> { ["%RETRY%G1"] = new("%RETRY%G1", 1, 1) }));
        actor.Tell(new EnsureRetryTopic("G1"));
        _topics.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
