using Rocket.Failover;
using Rocket.Protocol;
using Xunit;

namespace Rocket.Tests.Failover;

public class FailoverRulesTests
{
    internal static BrokerRecord Broker(long id, long epoch = 1, BrokerRole? role = null, string name = "broker-a") =>
        new("DefaultCluster", name, id, "/user/broker", "akka.tcp://rocket@127.0.0.1:1", true, 8, [], PublishedAt: 0,
            Role: role ?? (id == 0 ? BrokerRole.AsyncMaster : BrokerRole.Slave), Epoch: epoch);

    internal static GroupView View(params (BrokerRecord Record, bool Live)[] brokers) =>
        new("DefaultCluster", "broker-a", [.. brokers.Select(b => new GroupBroker(b.Record, b.Live))]);

    private static BrokerGroupEpoch Epoch(long epoch, long master, long start = 0) => new("DefaultCluster", "broker-a", epoch, master, start);

    private static ReplicaPosition Position(long id, long epoch, long offset) => new("broker-a", id, epoch, offset);

    [Fact]
    public void A_new_group_with_its_configured_master_live_gets_epoch_1_with_that_master_from_offset_0()
    {
        var assessment = FailoverRules.Assess(null, View((Broker(0, epoch: 0), true), (Broker(1, epoch: 0), true)));

        Assert.Equal(new Assessment.DecideFirst(Epoch(1, 0)), assessment);
    }

    [Fact]
    public void A_new_group_without_a_live_master_or_with_a_slave_role_at_id_0_gets_no_decision()
    {
        Assert.IsType<Assessment.NoDecisionYet>(FailoverRules.Assess(null, View((Broker(0, epoch: 0), false), (Broker(1, epoch: 0), true))));
        Assert.IsType<Assessment.NoDecisionYet>(FailoverRules.Assess(null, View((Broker(1, epoch: 0), true))));
        var slaveAtZero = FailoverRules.Assess(null, View((Broker(0, epoch: 0, role: BrokerRole.Slave), true)));
        Assert.Contains("SLAVE", Assert.IsType<Assessment.NoDecisionYet>(slaveAtZero).Reason);
    }

    [Fact]
    public void Brokers_reporting_an_epoch_above_the_stored_one_or_without_any_stored_one_call_an_election_at_once()
    {
        var lost = FailoverRules.Assess(null, View((Broker(0, epoch: 3), true), (Broker(1, epoch: 3), true)));
        Assert.Contains("epoch 3", Assert.IsType<Assessment.ElectNow>(lost).Reason);

        var behind = FailoverRules.Assess(Epoch(2, 0), View((Broker(0, epoch: 2), true), (Broker(1, epoch: 4), true)));
        Assert.Contains("broker 1 reports epoch 4", Assert.IsType<Assessment.ElectNow>(behind).Reason);
    }

    [Fact]
    public void The_master_is_missing_when_unreachable_or_gone_from_the_table_and_in_a_vacant_epoch()
    {
        Assert.IsType<Assessment.MasterLive>(FailoverRules.Assess(Epoch(1, 0), View((Broker(0), true), (Broker(1), true))));
        var unreachable = FailoverRules.Assess(Epoch(1, 0), View((Broker(0), false), (Broker(1), true)));
        Assert.Contains("unreachable", Assert.IsType<Assessment.MasterMissing>(unreachable).Reason);
        var gone = FailoverRules.Assess(Epoch(1, 0), View((Broker(1), true)));
        Assert.Contains("gone from the broker table", Assert.IsType<Assessment.MasterMissing>(gone).Reason);
        var vacant = FailoverRules.Assess(Epoch(2, FailoverRules.NoMaster), View((Broker(1), true)));
        Assert.Contains("no master", Assert.IsType<Assessment.MasterMissing>(vacant).Reason);
    }

    [Fact]
    public void The_highest_max_offset_in_the_newest_epoch_wins_and_a_tie_goes_to_the_lowest_broker_id()
    {
        var ranking = FailoverRules.Rank(Epoch(2, 0),
            [Position(3, 2, 500), Position(1, 2, 700), Position(2, 2, 700), Position(4, 1, 900)]);

        Assert.Equal(2, ranking.Epoch);
        Assert.Equal([1L, 2L, 3L], ranking.Eligible.Select(p => p.BrokerId));
        var excluded = Assert.Single(ranking.Excluded);
        Assert.Equal(4, excluded.Position.BrokerId);
        Assert.Contains("epoch 1, behind epoch 2", excluded.Reason);
    }

    [Fact]
    public void A_vacant_stored_epoch_or_none_ranks_in_the_newest_epoch_the_brokers_report()
    {
        var afterVacant = FailoverRules.Rank(Epoch(3, FailoverRules.NoMaster), [Position(1, 2, 100), Position(2, 2, 50)]);
        Assert.Equal([1L, 2L], afterVacant.Eligible.Select(p => p.BrokerId));

        var lost = FailoverRules.Rank(null, [Position(0, 4, 10), Position(1, 5, 5)]);
        Assert.Equal(5, lost.Epoch);
        Assert.Equal([1L], lost.Eligible.Select(p => p.BrokerId));
    }

    [Fact]
    public void A_new_epoch_is_above_every_epoch_stored_tried_or_seen()
    {
        Assert.Equal(1, FailoverRules.NextEpoch(null, 0, 0));
        Assert.Equal(3, FailoverRules.NextEpoch(Epoch(2, 1), 0, 1));
        Assert.Equal(5, FailoverRules.NextEpoch(Epoch(2, 1), 4, 2));
        Assert.Equal(8, FailoverRules.NextEpoch(Epoch(2, 1), 4, 7));
    }

    [Fact]
    public void Stale_brokers_and_other_master_claims_are_told_to_follow_the_decided_master()
    {
        var view = View(
            (Broker(0, epoch: 1, role: BrokerRole.SyncMaster), true), // the old master, returning
            (Broker(1, epoch: 2, role: BrokerRole.AsyncMaster), true), // the decided master, up to date
            (Broker(2, epoch: 1), true),                               // a slave still in epoch 1
            (Broker(3, epoch: 2), true),                               // a slave in step
            (Broker(4, epoch: 1), false));                             // not live: nothing to tell

        var targets = FailoverRules.FollowTargets(Epoch(2, 1), view).ToList();

        Assert.Equal([0L, 2L], targets.Select(t => t.Broker.BrokerId));
        Assert.Contains("claims SYNC_MASTER in epoch 1", targets[0].Reason);
        Assert.Contains("reports epoch 1, behind epoch 2", targets[1].Reason);
    }

    [Fact]
    public void The_decided_master_still_in_an_older_epoch_is_told_too_and_a_vacant_epoch_tells_nobody()
    {
        var view = View((Broker(0, epoch: 0), true), (Broker(1, epoch: 0), true));

        Assert.Equal([0L, 1L], FailoverRules.FollowTargets(Epoch(1, 0), view).Select(t => t.Broker.BrokerId));
        Assert.Empty(FailoverRules.FollowTargets(Epoch(2, FailoverRules.NoMaster), view));
    }

    [Fact]
    public void A_brokers_front_actor_is_its_published_remote_path_or_its_relative_path_on_its_node()
    {
        var published = Broker(1) with { BrokerPath = "akka.tcp://rocket@10.0.0.1:10911/user/broker", MemberAddress = "akka.tcp://rocket@10.0.0.1:10911" };
        Assert.Equal("akka.tcp://rocket@10.0.0.1:10911/user/broker", FailoverRules.FrontActorPath(published));
        Assert.Equal("akka.tcp://rocket@127.0.0.1:1/user/broker", FailoverRules.FrontActorPath(Broker(1)));
    }
}
