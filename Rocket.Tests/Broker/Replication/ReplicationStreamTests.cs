using Akka.Actor;
using Rocket.Broker;
using Rocket.Broker.Replication;
using Rocket.Protocol;
using Xunit;

namespace Rocket.Tests.Broker.Replication;

/// <summary>
/// Master source and slave follower together in one actor system, the slave's journal a fake that applies the
/// appends: the slave's log ends byte-identical to the master's, also across an epoch and after a slave's divergent
/// tail is cut.
/// </summary>
public sealed class ReplicationStreamTests : Akka.TestKit.Xunit2.TestKit
{
    private const int Record = 1000;
    private static readonly BrokerSettings MasterBroker = new() { BrokerName = "broker-a", BrokerId = 0, BrokerRole = BrokerRole.SyncMaster };
    private static readonly BrokerSettings SlaveBroker = new() { BrokerName = "broker-a", BrokerId = 1, BrokerRole = BrokerRole.Slave };
    private static readonly ReplicationSettings Settings = new()
    {
        TransferWindow = 64 * 1024, TransferBatchSize = 8 * 1024,
        HeartbeatInterval = TimeSpan.FromMilliseconds(200), HousekeepingInterval = TimeSpan.FromSeconds(5),
    };

    public ReplicationStreamTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    private static BrokerRecord MasterRecord(long epoch = 0) => new("DefaultCluster", "broker-a", 0, "akka://test/user/master", "akka://test",
        true, 8, [], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, BrokerRole.SyncMaster, epoch);

    private (IActorRef Source, IActorRef Follower, BrokerRoleState SlaveRole) Start(FakeReplicaLog master, FakeReplicaLog slave)
    {
        var source = Sys.ActorOf(ReplicaSourceActor.Props(Settings, MasterBroker, master, new BrokerRoleState(BrokerRole.SyncMaster, master.CurrentEpoch), 64 * 1024));
        var journal = Sys.ActorOf(FakeReplicaJournal.Props(slave, Record));
        var slaveRole = new BrokerRoleState(BrokerRole.Slave, 0);
        var follower = Sys.ActorOf(ReplicaFollowerActor.Props(Settings, SlaveBroker, slave, slaveRole, journal, TimeSpan.FromSeconds(30),
            subscribeToGossip: false, resolveMaster: (_, _) => source));
        follower.Tell(new ReplicaFollowerActor.BrokerTable([MasterRecord(master.CurrentEpoch)]));
        return (source, follower, slaveRole);
    }

    [Fact]
    public void A_slave_from_empty_catches_up_byte_identically_and_follows_live_appends()
    {
        var master = new FakeReplicaLog();
        master.Append(500, Record); // 500 KB: many windows of 64 KB
        var slave = new FakeReplicaLog();
        var (source, _, role) = Start(master, slave);
        AwaitCondition(() => slave.MaxOffset == master.MaxOffset, TimeSpan.FromSeconds(20));
        Assert.Equal(master.Bytes(), slave.Bytes());

        master.Append(3, Record, fill: 7);
        source.Tell(LogAppended.Instance); // the produce path's wake-up
        AwaitCondition(() => slave.MaxOffset == master.MaxOffset, TimeSpan.FromSeconds(5));
        Assert.Equal(master.Bytes(), slave.Bytes());
        AwaitCondition(() => role.ReplicaLagBytes == 0, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_slave_behind_the_masters_oldest_byte_starts_over_there_with_the_masters_queue_offsets()
    {
        var master = new FakeReplicaLog(minOffset: 50 * Record) { QueueStarts = [new("Old", 0, 17), new("T", 3, 5)] };
        master.Append(20, Record);
        var slave = new FakeReplicaLog();
        slave.Append(10, Record, fill: 3); // ends at 10 000, below the master's 50 000
        Start(master, slave);
        AwaitCondition(() => slave.MaxOffset == master.MaxOffset, TimeSpan.FromSeconds(20));
        Assert.Equal(50 * Record, slave.MinOffset);
        Assert.Equal(master.Bytes(), slave.Bytes());
        Assert.Equal(master.QueueStarts, slave.StartedQueues);
    }

    [Fact]
    public void A_returning_old_master_cuts_its_divergent_tail_and_takes_the_new_epoch()
    {
        // Both held 100 records of epoch 0; the new master began epoch 1 there and wrote 50 more, the old one 30 others.
        var master = new FakeReplicaLog();
        master.Append(100, Record);
        var old = new FakeReplicaLog();
        old.Append(100, Record);
        master.BeginEpoch(1, master.MaxOffset);
        master.Append(50, Record, fill: 1);
        old.Append(30, Record, fill: 2);

        Start(master, old);
        AwaitCondition(() => old.MaxOffset == master.MaxOffset && old.CurrentEpoch == 1, TimeSpan.FromSeconds(20));
        Assert.Equal(master.Bytes(), old.Bytes());
        Assert.Equal(master.Epochs, old.Epochs);
    }
}
