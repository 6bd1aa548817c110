using Akka.Actor;
using Akka.TestKit;
using Rocket.Broker;
using Rocket.Broker.Replication;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Log;
using Xunit;

namespace Rocket.Tests.Broker.Replication;

/// <summary>The master's end: hello checks, windowed streaming, heartbeats and SYNC_MASTER's waits, with a probe as the slave.</summary>
public sealed class ReplicaSourceActorTests : Akka.TestKit.Xunit2.TestKit
{
    private const int Record = 10_000;
    private static readonly BrokerSettings Master = new() { BrokerName = "broker-a", BrokerId = 0, BrokerRole = BrokerRole.SyncMaster };
    private readonly FakeReplicaLog _log = new();
    private readonly TestProbe _slave;

    public ReplicaSourceActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) => _slave = CreateTestProbe();

    private static ReplicationSettings Settings(int window = 50_000, int batch = 20_000, TimeSpan? slaveTimeout = null) => new()
    {
        TransferWindow = window, TransferBatchSize = batch, SlaveTimeout = slaveTimeout ?? TimeSpan.FromSeconds(3),
        HeartbeatInterval = TimeSpan.FromMilliseconds(300), HousekeepingInterval = TimeSpan.FromSeconds(2),
    };

    private IActorRef Start(ReplicationSettings? settings = null, BrokerRoleState? role = null) =>
        Sys.ActorOf(ReplicaSourceActor.Props(settings ?? Settings(), Master, _log, role ?? new BrokerRoleState(BrokerRole.SyncMaster, 0), 64 * 1024));

    private static ReplicaHello Hello(long maxOffset = 0, int segmentSize = 1 << 20, long session = 1, params ReplicaEpoch[] epochs) =>
        new("broker-a", 1, session, epochs, maxOffset, segmentSize);

    [Fact]
    public void A_segment_size_mismatch_is_refused_naming_both_sizes()
    {
        var source = Start();
        source.Tell(Hello(segmentSize: 4096), _slave.Ref);
        var refused = _slave.ExpectMsg<ReplicaRefused>();
        Assert.Contains("segment size 4096 differs from this master's 1048576", refused.Reason);
    }

    [Fact]
    public void A_slave_ahead_of_the_master_in_the_same_epoch_is_refused()
    {
        _log.Append(3, Record);
        var source = Start();
        source.Tell(Hello(maxOffset: 5 * Record), _slave.Ref);
        Assert.Contains("ahead of this master's 30000 in the same epoch 0", _slave.ExpectMsg<ReplicaRefused>().Reason);
    }

    [Fact]
    public void Chunks_of_whole_records_stream_within_the_window_and_acks_open_it_again()
    {
        _log.Append(20, Record); // 200 KB; window 50 KB, chunks of at most 20 KB (2 records)
        var source = Start();
        source.Tell(Hello(), _slave.Ref);
        var welcome = _slave.ExpectMsg<ReplicaWelcome>();
        Assert.Equal((0L, 200_000L), (welcome.StartOffset, welcome.MasterMaxOffset));
        long next = 0;
        for (int i = 0; i < 3; i++) // 3 chunks = 60 KB: the third crosses the 50 KB window, then it stops
        {
            var chunk = _slave.ExpectMsg<ReplicaChunk>();
            Assert.Equal(next, chunk.StartOffset);
            Assert.Equal(2 * Record, chunk.Bytes.Length);
            next += chunk.Bytes.Length;
        }
        _slave.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        source.Tell(new ReplicaAck(1, 1, 40_000), _slave.Ref);
        var more = _slave.ExpectMsg<ReplicaChunk>();
        Assert.Equal(next, more.StartOffset);
    }

    [Fact]
    public void An_empty_slave_behind_the_masters_oldest_byte_starts_at_the_min_offset()
    {
        var log = new FakeReplicaLog(minOffset: 1 << 20);
        log.Append(2, Record);
        var source = Sys.ActorOf(ReplicaSourceActor.Props(Settings(), Master, log, new BrokerRoleState(BrokerRole.SyncMaster, 0), 64 * 1024));
        source.Tell(Hello(), _slave.Ref);
        Assert.Equal(1L << 20, _slave.ExpectMsg<ReplicaWelcome>().StartOffset);
        Assert.Equal(1L << 20, _slave.ExpectMsg<ReplicaChunk>().StartOffset);
    }

    [Fact]
    public void An_idle_session_gets_heartbeats_and_a_silent_slave_is_dropped()
    {
        var source = Start();
        source.Tell(Hello(), _slave.Ref);
        _slave.ExpectMsg<ReplicaWelcome>();
        var heartbeat = _slave.ExpectMsg<ReplicaChunk>(TimeSpan.FromSeconds(2));
        Assert.Empty(heartbeat.Bytes);
        var dropped = _slave.FishForMessage(m => m is ReplicaRefused, TimeSpan.FromSeconds(5));
        Assert.Contains("no acknowledgement", ((ReplicaRefused)dropped).Reason);
    }

    private static AwaitReplicas Await(IActorRef replyTo, long end, TimeSpan? timeout = null) =>
        new(end, replyTo, new BatchAppended(1, [new AppendResult(AppendStatus.Ok, 0, end - 100, 1, 100)]),
            DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(3)));

    [Fact]
    public void Sync_master_without_a_slave_answers_slave_not_available_at_once()
    {
        var source = Start();
        source.Tell(Await(TestActor, 100));
        var answer = ExpectMsg<ReplicatedBatch>(TimeSpan.FromSeconds(1));
        Assert.Equal(ProduceStatus.SlaveNotAvailable, answer.Status);
        Assert.Contains("in-sync-slaves-min = 1", answer.Error);
    }

    [Fact]
    public void Sync_master_answers_in_order_as_acks_arrive_and_times_out_past_slave_timeout()
    {
        _log.Append(3, Record);
        var source = Start(Settings(slaveTimeout: TimeSpan.FromMilliseconds(800)));
        source.Tell(Hello(), _slave.Ref);
        _slave.ExpectMsg<ReplicaWelcome>();
        source.Tell(Await(TestActor, 10_000));
        source.Tell(Await(TestActor, 20_000));
        source.Tell(Await(TestActor, 30_000));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        source.Tell(new ReplicaAck(1, 1, 20_000), _slave.Ref);
        Assert.Equal(ProduceStatus.Ok, ExpectMsg<ReplicatedBatch>().Status);
        Assert.Equal(ProduceStatus.Ok, ExpectMsg<ReplicatedBatch>().Status);
        var late = ExpectMsg<ReplicatedBatch>(TimeSpan.FromSeconds(3));
        Assert.Equal(ProduceStatus.FlushSlaveTimeout, late.Status);
        Assert.Contains("slave-timeout", late.Error);
        Assert.Equal(29_900, late.Appended.Results[0].PhysicalOffset); // the same batch comes back
    }

    [Fact]
    public void A_stale_sessions_ack_counts_for_nothing()
    {
        _log.Append(1, Record);
        var source = Start();
        source.Tell(Hello(session: 2), _slave.Ref);
        _slave.ExpectMsg<ReplicaWelcome>();
        source.Tell(Await(TestActor, 10_000));
        source.Tell(new ReplicaAck(1, 1, 10_000), _slave.Ref); // session 1 is over
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        source.Tell(new ReplicaAck(2, 1, 10_000), _slave.Ref);
        Assert.Equal(ProduceStatus.Ok, ExpectMsg<ReplicatedBatch>().Status);
    }
}
