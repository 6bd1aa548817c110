using System.Text;
using Akka.Actor;
using Akka.TestKit;
using Rocket.Broker;
using Rocket.Broker.Transaction;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Transaction;

/// <summary>The broker's transaction actor behind the broker's front door, on a real store, with in-memory metadata.</summary>
public sealed class TransactionServiceActorTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Group = "pg";
    private readonly TempDirectory _dir = new("transactions");
    private MessageStore? _store;
    private long _requestId;

    private static readonly BrokerSettings Settings = new()
    {
        Transaction = new TransactionSettings
        {
            TransactionTimeout = TimeSpan.FromMilliseconds(300),
            TransactionCheckMax = 2,
            TransactionCheckInterval = TimeSpan.FromHours(1), // rounds are run by the test
        },
    };

    public TransactionServiceActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _store?.Dispose();
        _dir.Dispose();
    }

    private IActorRef StartBroker(BrokerSettings? settings = null)
    {
        _store = MessageStore.Open(TestMessages.SmallStore(_dir.Path));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory(new TopicConfig("Orders", 4, 4)), InMemoryOffsetsActor.Props(), Publisher: null);
        return Sys.ActorOf(BrokerActor.Props(_store, settings ?? Settings, parts), BrokerActor.Name);
    }

    private void StopBroker(IActorRef broker)
    {
        Watch(broker);
        Sys.Stop(broker);
        ExpectTerminated(broker, TimeSpan.FromSeconds(30));
        _store!.Dispose();
        _store = null;
    }

    private ActorSelection Transactions => Sys.ActorSelection("/user/broker/transactions");

    private ProduceResult Send(IActorRef broker, string body, bool half, string group = Group, int queueId = 1)
    {
        var properties = new List<KeyValuePair<string, string>> { new("UNIQ_KEY", "id-" + body), new("TAGS", "t") };
        if (half) properties.AddRange([new("TRAN_MSG", "true"), new("PGROUP", group)]);
        broker.Tell(new ProduceRequest(++_requestId, [new WireMessage("Orders", queueId, Encoding.UTF8.GetBytes(body),
            MessageProperties.Encode(properties), 0, 1_700_000_000_000)]));
        var result = ExpectMsg<ProduceResponse>(r => r.RequestId == _requestId, TimeSpan.FromSeconds(30)).Results.Single();
        Assert.Equal(ProduceStatus.Ok, result.Status);
        return result;
    }

    private EndTransactionResult End(IActorRef broker, ProduceResult half, TransactionOutcome outcome, string group = Group, bool fromCheck = false)
    {
        broker.Tell(new EndTransaction(++_requestId, group, half.PhysicalOffset, half.QueueOffset, null, outcome, fromCheck));
        return ExpectMsg<EndTransactionResult>(r => r.RequestId == _requestId, TimeSpan.FromSeconds(30));
    }

    private PullResponse Pull(IActorRef broker, string topic, int queueId)
    {
        broker.Tell(new PullRequest(++_requestId, "g", topic, queueId, 0, 32, null, 0));
        return ExpectMsg<PullResponse>(r => r.RequestId == _requestId, TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits until the queue holds exactly <paramref name="bodies"/> (in order): nothing more, nothing twice.</summary>
    private void AwaitBodies(IActorRef broker, string topic, int queueId, params string[] bodies) => AwaitAssert(() =>
        Assert.Equal(bodies, Pull(broker, topic, queueId).Messages.Select(m => Encoding.UTF8.GetString(m.Body))),
        TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

    /// <summary>Runs check rounds until <paramref name="probe"/> is asked to check.</summary>
    private CheckTransactionState AwaitCheck(TestProbe probe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            Transactions.Tell(RunTransactionCheckNow.Instance);
            var check = probe.ReceiveOne(TimeSpan.FromMilliseconds(100));
            if (check is CheckTransactionState state) return state;
        }
        throw new TimeoutException("no check-back within 10 s");
    }

    [Fact]
    public void A_half_message_is_invisible_until_committed_and_a_commit_delivers_it_once()
    {
        var broker = StartBroker();
        var half = Send(broker, "h1", half: true);
        Send(broker, "p1", half: false);
        AwaitBodies(broker, "Orders", 1, "p1");
        Assert.Equal(PullStatus.NoPermission, Pull(broker, SystemTopics.TransactionHalf, 0).Status); // no client reads the half topic (internal)

        Assert.Equal(EndTransactionStatus.Committed, End(broker, half, TransactionOutcome.Commit).Status);
        AwaitBodies(broker, "Orders", 1, "p1", "h1");
        var delivered = MessageProperties.Decode(Pull(broker, "Orders", 1).Messages[1].Properties);
        Assert.Equal("id-h1", delivered["UNIQ_KEY"]);
        Assert.Equal("t", delivered["TAGS"]);
        Assert.Equal(Group, delivered["PGROUP"]);
        Assert.DoesNotContain("TRAN_MSG", delivered.Keys);
        Assert.DoesNotContain("REAL_TOPIC", delivered.Keys);
        Assert.DoesNotContain("REAL_QID", delivered.Keys);

        // A repeated end, a check answer and a rollback after the commit write nothing.
        Assert.Equal(EndTransactionStatus.AlreadySettled, End(broker, half, TransactionOutcome.Commit).Status);
        Assert.Equal(EndTransactionStatus.AlreadySettled, End(broker, half, TransactionOutcome.Commit, fromCheck: true).Status);
        Assert.Equal(EndTransactionStatus.AlreadySettled, End(broker, half, TransactionOutcome.Rollback).Status);
        Send(broker, "p2", half: false);
        AwaitBodies(broker, "Orders", 1, "p1", "h1", "p2");
    }

    [Fact]
    public void A_rolled_back_half_is_never_delivered()
    {
        var broker = StartBroker();
        var half = Send(broker, "h1", half: true);
        Assert.Equal(EndTransactionStatus.RolledBack, End(broker, half, TransactionOutcome.Rollback).Status);
        Assert.Equal(EndTransactionStatus.AlreadySettled, End(broker, half, TransactionOutcome.Commit).Status);
        Assert.Equal(EndTransactionStatus.LeftForCheck, End(broker, half, TransactionOutcome.Unknown).Status);
        Send(broker, "p1", half: false);
        AwaitBodies(broker, "Orders", 1, "p1");
    }

    [Fact]
    public void An_end_for_another_group_or_a_wrong_offset_is_refused_naming_the_problem()
    {
        var broker = StartBroker();
        var half = Send(broker, "h1", half: true);
        var plain = Send(broker, "p1", half: false);

        var otherGroup = End(broker, half, TransactionOutcome.Commit, group: "other");
        Assert.Equal(EndTransactionStatus.Failed, otherGroup.Status);
        Assert.Contains("belongs to producer group 'pg', not 'other'", otherGroup.Error);
        var notHalf = End(broker, plain, TransactionOutcome.Commit);
        Assert.Equal(EndTransactionStatus.Failed, notHalf.Status);
        Assert.Contains("holds no half message at commit-log offset", notHalf.Error);
        AwaitBodies(broker, "Orders", 1, "p1");
        Assert.Equal(EndTransactionStatus.Committed, End(broker, half, TransactionOutcome.Commit).Status); // still open
    }

    [Fact]
    public void An_unsettled_half_is_checked_with_a_live_producer_of_its_group_and_its_answer_commits_it()
    {
        var broker = StartBroker();
        var producer = CreateTestProbe();
        broker.Tell(new ProducerHeartbeat("client-2", Group, producer.Ref)); // not the sender: any live producer of the group
        var half = Send(broker, "h1", half: true);

        var check = AwaitCheck(producer);
        Assert.Equal(1, check.CheckTimes);
        Assert.Equal(("Orders", 1), (check.Topic, check.QueueId));
        Assert.Equal(half.PhysicalOffset, check.HalfPhysicalOffset);
        Assert.Equal("id-h1", check.MessageId);
        Assert.Equal("h1", Encoding.UTF8.GetString(check.Message.Body));
        Assert.DoesNotContain("REAL_TOPIC", MessageProperties.Decode(check.Message.Properties).Keys);

        producer.Reply(new EndTransaction(77, Group, check.HalfPhysicalOffset, check.HalfQueueOffset, check.MessageId, TransactionOutcome.Commit, FromCheck: true));
        Assert.Equal(EndTransactionStatus.Committed, producer.ExpectMsg<EndTransactionResult>(r => r.RequestId == 77).Status);
        AwaitBodies(broker, "Orders", 1, "h1");
        Transactions.Tell(RunTransactionCheckNow.Instance);
        producer.ExpectNoMsg(TimeSpan.FromMilliseconds(500)); // settled: never checked again
    }

    [Fact]
    public void An_unanswered_half_is_checked_transaction_check_max_times_then_moved_to_TRANS_CHECK_MAX_TIME_TOPIC()
    {
        var broker = StartBroker();
        var producer = CreateTestProbe();
        broker.Tell(new ProducerHeartbeat("client-1", Group, producer.Ref));
        var half = Send(broker, "h1", half: true);

        Assert.Equal(1, AwaitCheck(producer).CheckTimes);
        Transactions.Tell(RunTransactionCheckNow.Instance);
        producer.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // its last check is younger than transaction-timeout
        Assert.Equal(2, AwaitCheck(producer).CheckTimes);

        // The third round finds it checked transaction-check-max (2) times: discarded, never asked about again.
        AwaitAssert(() =>
        {
            Transactions.Tell(RunTransactionCheckNow.Instance);
            var moved = Pull(broker, SystemTopics.TransactionCheckMaxTime, 0);
            Assert.Equal(["h1"], moved.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
            Assert.Equal("Orders", MessageProperties.Get(moved.Messages[0].Properties, MessageProperties.RealTopic));
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        producer.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.Equal(EndTransactionStatus.AlreadySettled, End(broker, half, TransactionOutcome.Commit).Status);
        Send(broker, "p1", half: false);
        AwaitBodies(broker, "Orders", 1, "p1");
    }

    [Fact]
    public void A_producer_that_leaves_its_group_is_no_longer_asked()
    {
        var broker = StartBroker();
        var producer = CreateTestProbe();
        broker.Tell(new ProducerHeartbeat("client-1", Group, producer.Ref));
        var ledger = CreateTestProbe(); // a late answer to a repeated query must not reach the test actor's later expectations
        AwaitAssert(() => // the selection finds the actor once the broker has created it
        {
            Transactions.Tell(new GetTransactionLedger(Group), ledger.Ref);
            Assert.Equal(["client-1"], ledger.ExpectMsg<TransactionLedgerState>(TimeSpan.FromMilliseconds(500)).Producers);
        }, TimeSpan.FromSeconds(30));
        broker.Tell(new UnregisterProducer("client-1", Group));
        Send(broker, "h1", half: true);
        for (int round = 0; round < 10; round++) // rounds over a second: the half is older than transaction-timeout for most
        {
            Transactions.Tell(RunTransactionCheckNow.Instance);
            producer.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        }
        Transactions.Tell(new GetTransactionLedger(Group));
        Assert.Empty(ExpectMsg<TransactionLedgerState>().Producers);
    }

    [Fact]
    public void Outcomes_and_progress_are_durable_and_rebuilt_from_the_op_records_after_a_restart()
    {
        var broker = StartBroker();
        var committed = Send(broker, "h0", half: true);
        var rolledBack = Send(broker, "h1", half: true);
        var open = Send(broker, "h2", half: true);
        Assert.Equal(EndTransactionStatus.Committed, End(broker, committed, TransactionOutcome.Commit).Status);
        Assert.Equal(EndTransactionStatus.RolledBack, End(broker, rolledBack, TransactionOutcome.Rollback).Status);
        AwaitAssert(() =>
        {
            broker.Tell(new QueryOffset(SystemTopics.TransactionProgressGroup, SystemTopics.TransactionHalf, 0));
            Assert.Equal(2, ExpectMsg<OffsetAnswer>().Offset); // h0 and h1 settled, h2 open
            broker.Tell(new QueryOffset(SystemTopics.TransactionProgressGroup, SystemTopics.TransactionOp, 0));
            Assert.Equal(2, ExpectMsg<OffsetAnswer>().Offset); // both op records are behind it
        });
        AwaitBodies(broker, "Orders", 1, "h0");
        StopBroker(broker);

        // A fresh (in-memory) offsets actor: the progress is gone, so the ledger is rebuilt from every op record.
        broker = StartBroker();
        Assert.Equal(EndTransactionStatus.AlreadySettled, End(broker, committed, TransactionOutcome.Commit).Status);
        Assert.Equal(EndTransactionStatus.AlreadySettled, End(broker, rolledBack, TransactionOutcome.Commit).Status);
        Assert.Equal(EndTransactionStatus.Committed, End(broker, open, TransactionOutcome.Commit).Status);
        AwaitBodies(broker, "Orders", 1, "h0", "h2");
        Transactions.Tell(new GetTransactionLedger());
        Assert.Equal(3, ExpectMsg<TransactionLedgerState>().HalfProgress);
    }

    // ---- run-time role (failover) -------------------------------------------------------------------------------

    private static BrokerGroupEpoch Decision(long epoch, long masterId) => new("DefaultCluster", "broker-a", epoch, masterId, 0);

    private string RoleNow(IActorRef broker)
    {
        broker.Tell(QueryBrokerStats.Instance);
        return ExpectMsg<BrokerStats>(TimeSpan.FromSeconds(30)).Role;
    }

    /// <summary>What a slave's replication brings in: the master's commit of <paramref name="half"/> (message and op record).</summary>
    private void ReplicateCommit(ProduceResult half)
    {
        var stored = _store!.ReadMessage(half.PhysicalOffset)!;
        Sys.ActorSelection("/user/broker/store").Tell(new AppendBatch(424242,
            [HalfMessage.Rebuild(stored, "Orders", 1), new OpRecord(OpKind.Commit, stored.QueueOffset).ToStore()]));
        Assert.All(ExpectMsg<BatchAppended>(a => a.BatchId == 424242, TimeSpan.FromSeconds(30)).Results, r => Assert.True(r.IsOk));
    }

    [Fact]
    public void A_demoted_master_neither_ends_nor_checks_and_once_promoted_again_reads_the_replicated_outcomes_before_it_ends_or_checks()
    {
        var broker = StartBroker();
        var producer = CreateTestProbe();
        broker.Tell(new ProducerHeartbeat("client-1", Group, producer.Ref));
        var h1 = Send(broker, "h1", half: true);
        var h2 = Send(broker, "h2", half: true);
        var h3 = Send(broker, "h3", half: true);
        Assert.Equal("ASYNC_MASTER", RoleNow(broker));

        // Broker 1 became master of epoch 1: this broker (id 0, configured master) follows it.
        broker.Tell(new FollowMaster(Decision(1, 1)));
        AwaitAssert(() => Assert.Equal("SLAVE", RoleNow(broker)), TimeSpan.FromSeconds(30));
        var refused = End(broker, h1, TransactionOutcome.Commit);
        Assert.Equal(EndTransactionStatus.Failed, refused.Status);
        Assert.Equal("broker broker-a #0 is a slave (epoch 1) and does not accept writes; its group's master does", refused.Error);
        for (int round = 0; round < 8; round++) // over a second: every half is older than transaction-timeout
        {
            Transactions.Tell(RunTransactionCheckNow.Instance);
            producer.ExpectNoMsg(TimeSpan.FromMilliseconds(150)); // the master of epoch 1 checks, not a slave
        }
        ReplicateCommit(h2); // the new master committed h2; replication wrote it here

        var coordinator = CreateTestProbe();
        broker.Tell(new PromoteToMaster(Decision(2, 0), MasterRole: BrokerRole.AsyncMaster), coordinator.Ref);
        Assert.Equal(2, coordinator.ExpectMsg<PromotedToMaster>(TimeSpan.FromSeconds(30)).Epoch);
        Assert.Equal("ASYNC_MASTER", RoleNow(broker));
        Assert.Equal(EndTransactionStatus.AlreadySettled, End(broker, h2, TransactionOutcome.Commit).Status); // not delivered twice
        Assert.Equal(EndTransactionStatus.Committed, End(broker, h1, TransactionOutcome.Commit).Status);
        AwaitBodies(broker, "Orders", 1, "h2", "h1");
        var check = AwaitCheck(producer); // the master checks again: h3 is the only open half
        Assert.Equal((h3.PhysicalOffset, 1), (check.HalfPhysicalOffset, check.CheckTimes));
    }

    [Fact]
    public void A_promoted_slave_ends_transactions_and_checks_the_open_halves_its_master_left()
    {
        var broker = StartBroker(Settings with { BrokerId = 1, BrokerRole = BrokerRole.Slave });
        var producer = CreateTestProbe();
        broker.Tell(new ProducerHeartbeat("client-1", Group, producer.Ref));
        Assert.Equal("SLAVE", RoleNow(broker));
        var refused = Assert.Single(SendRefused(broker));
        Assert.Equal("broker broker-a #1 is a slave (epoch 0) and does not accept writes; its group's master does", refused);

        var coordinator = CreateTestProbe();
        broker.Tell(new PromoteToMaster(Decision(1, 1), MasterRole: BrokerRole.AsyncMaster), coordinator.Ref);
        coordinator.ExpectMsg<PromotedToMaster>(TimeSpan.FromSeconds(30));
        var h1 = Send(broker, "h1", half: true);
        var h2 = Send(broker, "h2", half: true);
        Assert.Equal(EndTransactionStatus.Committed, End(broker, h1, TransactionOutcome.Commit).Status);
        AwaitBodies(broker, "Orders", 1, "h1");
        Assert.Equal(h2.PhysicalOffset, AwaitCheck(producer).HalfPhysicalOffset);
    }

    private string[] SendRefused(IActorRef broker)
    {
        broker.Tell(new ProduceRequest(++_requestId, [new WireMessage("Orders", 1, "x"u8.ToArray(), null, 0, 1_700_000_000_000)]));
        var results = ExpectMsg<ProduceResponse>(r => r.RequestId == _requestId, TimeSpan.FromSeconds(30)).Results;
        Assert.All(results, r => Assert.Equal(ProduceStatus.ServiceNotAvailable, r.Status));
        return results.Select(r => r.Error!).ToArray();
    }
}
