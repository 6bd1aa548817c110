using Akka.Actor;
using Akka.TestKit;
using Rocket.Broker;
using Rocket.Broker.Replication;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Replication;
using Xunit;

namespace Rocket.Tests.Broker.Replication;

/// <summary>The role actor under the failover coordinator's orders, with probes as coordinator, journal, source and parent.</summary>
public sealed class BrokerRoleActorTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly BrokerSettings Slave = new() { BrokerName = "broker-a", BrokerId = 1, BrokerRole = BrokerRole.Slave };
    private static readonly BrokerSettings Master = new() { BrokerName = "broker-a", BrokerId = 0, BrokerRole = BrokerRole.SyncMaster };
    private readonly FakeReplicaLog _log = new();
    private readonly TestProbe _journal;
    private readonly TestProbe _source;
    private readonly TestProbe _parent;
    private readonly TestProbe _follower;

    public BrokerRoleActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference)
    {
        _journal = CreateTestProbe();
        _source = CreateTestProbe();
        _parent = CreateTestProbe();
        _follower = CreateTestProbe();
    }

    /// <summary>The follower stands in as a forwarder to a probe, so the test sees what the role actor tells it.</summary>
    private IActorRef Start(BrokerSettings broker, BrokerRoleState state, ReplicationSettings? settings = null)
    {
        var follower = _follower.Ref;
        var role = _parent.ChildActorOf(BrokerRoleActor.Props(settings ?? new ReplicationSettings(), broker, _log, state, _journal.Ref, _source.Ref,
            _ => Props.Create(() => new Forwarder(follower))));
        _journal.ExpectMsg<GetJournal>();
        return role;
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }

    private static BrokerGroupEpoch Decision(long epoch, long masterId) => new("DefaultCluster", "broker-a", epoch, masterId, 0);

    [Fact]
    public void A_slave_reports_its_position_and_follows_from_the_start()
    {
        _log.Append(4, 100);
        var role = Start(Slave, new BrokerRoleState(BrokerRole.Slave, 0));
        Assert.Equal(new FollowTarget(null, 0), _follower.ExpectMsg<FollowTarget>());
        role.Tell(new GetReplicaPosition("broker-a"));
        Assert.Equal(new ReplicaPosition("broker-a", 1, 0, 400), ExpectMsg<ReplicaPosition>());
    }

    [Fact]
    public void Promotion_begins_the_epoch_at_the_log_end_then_takes_the_promoted_role()
    {
        _log.Append(4, 100);
        var state = new BrokerRoleState(BrokerRole.Slave, 0);
        var role = Start(Slave, state, new ReplicationSettings { PromotedRole = BrokerRole.SyncMaster });
        _follower.ExpectMsg<FollowTarget>();
        role.Tell(new PromoteToMaster(Decision(3, 1)));
        Assert.Equal(new BeginEpoch(3, 400), _journal.ExpectMsg<BeginEpoch>());
        Assert.False(state.IsMaster); // no write before the epoch is recorded
        _journal.Reply(new EpochBegun(3, 400, 400));
        Assert.Equal(new PromotedToMaster("broker-a", 1, 3, 400), ExpectMsg<PromotedToMaster>());
        Assert.Equal(new BrokerRoleSnapshot(BrokerRole.SyncMaster, 3), state.Current);
        Assert.Equal(new RoleChanged(BrokerRole.SyncMaster, 3), _parent.ExpectMsg<RoleChanged>());
    }

    [Theory]
    [InlineData(BrokerRole.SyncMaster, BrokerRole.SyncMaster)]
    [InlineData(BrokerRole.AsyncMaster, BrokerRole.AsyncMaster)]
    [InlineData(null, BrokerRole.AsyncMaster)] // the coordinator never saw the old master's role
    public void By_default_a_promoted_slave_takes_the_role_of_the_master_it_replaces(BrokerRole? replaced, BrokerRole expected)
    {
        _log.Append(4, 100);
        var state = new BrokerRoleState(BrokerRole.Slave, 1);
        var role = Start(Slave, state, ReplicationSettings.Read(new Rocket.Settings.SettingsReader(
            Rocket.Settings.RocketConfig.WithReference(Akka.Configuration.Config.Empty).GetConfig("rocket.broker"), "rocket.broker.")));
        _follower.ExpectMsg<FollowTarget>();
        role.Tell(new PromoteToMaster(Decision(2, 1), replaced));
        _journal.ExpectMsg<BeginEpoch>();
        _journal.Reply(new EpochBegun(2, 400, 400));
        ExpectMsg<PromotedToMaster>();
        Assert.Equal(new BrokerRoleSnapshot(expected, 2), state.Current);
    }

    [Fact]
    public void A_promotion_for_another_broker_or_an_old_epoch_is_refused_by_reason()
    {
        var role = Start(Slave, new BrokerRoleState(BrokerRole.Slave, 2));
        role.Tell(new PromoteToMaster(Decision(3, 2)));
        Assert.Contains("names broker #2 as master, this is #1", ExpectMsg<PromotionRefused>().Reason);
        role.Tell(new PromoteToMaster(Decision(2, 1)));
        Assert.Contains("epoch 2 is not newer than this broker's epoch 2", ExpectMsg<PromotionRefused>().Reason);
        _journal.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_master_told_it_leads_an_epoch_records_it_at_its_log_end_and_keeps_its_role()
    {
        _log.Append(4, 100);
        var state = new BrokerRoleState(BrokerRole.SyncMaster, 0);
        var role = Start(Master, state);
        role.Tell(new FollowMaster(Decision(1, 0))); // how the coordinator tells the configured master it leads epoch 1
        Assert.Equal(new BeginEpoch(1, 400), _journal.ExpectMsg<BeginEpoch>());
        role.Tell(new FollowMaster(Decision(1, 0))); // repeated while the record still shows epoch 0: recorded once
        _journal.Reply(new EpochBegun(1, 400, 400));
        Assert.Equal(new RoleChanged(BrokerRole.SyncMaster, 1), _parent.ExpectMsg<RoleChanged>());
        Assert.Equal(new BrokerRoleSnapshot(BrokerRole.SyncMaster, 1), state.Current);
        role.Tell(new FollowMaster(Decision(1, 0)));
        _journal.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        _follower.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // a master never follows itself
    }

    [Fact]
    public void A_master_told_to_follow_stops_writes_ends_its_sessions_and_follows_the_named_master()
    {
        var state = new BrokerRoleState(BrokerRole.SyncMaster, 0);
        var role = Start(Master, state);
        _follower.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // a master follows nobody
        role.Tell(new FollowMaster(Decision(1, 1)));
        _source.ExpectMsg<StopServingReplicas>();
        Assert.Equal(new BrokerRoleSnapshot(BrokerRole.Slave, 1), state.Current);
        Assert.Equal(new RoleChanged(BrokerRole.Slave, 1), _parent.ExpectMsg<RoleChanged>());
        Assert.Equal(new FollowTarget(1, 1), _follower.ExpectMsg<FollowTarget>());
    }
}
