using Akka.Actor;
using System.Diagnostics;
using Akka.DistributedData;
using Rocket.Failover;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Failover;

public class GroupFailoverActorTests(ITestOutputHelper output) : FailoverTestKit(output)
{
    [Fact]
    public async Task A_new_group_gets_epoch_1_with_its_live_master_stored_in_the_table_and_every_broker_is_told()
    {
        var (master, slave, status) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var group = StartGroup(status);

        group.Tell(View((Record(master, 0, epoch: 0), true), (Record(slave, 1, epoch: 0), true)));

        await DecisionReported(status, Epoch(1, 0));
        Assert.Equal(Epoch(1, 0), (await master.ExpectMsgAsync<FollowMaster>()).Decision);
        Assert.Equal(Epoch(1, 0), (await slave.ExpectMsgAsync<FollowMaster>()).Decision);
        var stored = await DistributedData.Get(Sys).GetAsync(EpochTable.Key, ReadLocal.Instance);
        Assert.Equal(Epoch(1, 0), stored!["DefaultCluster/broker-a"]);
    }

    [Fact]
    public async Task The_slave_with_the_highest_offset_is_promoted_after_failover_after_and_not_before_and_the_others_follow()
    {
        var (master, slave1, slave2, status) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var group = StartGroup(status, stored: Epoch(1, 0));
        var lost = Stopwatch.StartNew();

        group.Tell(View((Record(master, 0, 1, BrokerRole.SyncMaster), false), (Record(slave1, 1, 1), true), (Record(slave2, 2, 1), true)));

        await slave1.ExpectMsgAsync<GetReplicaPosition>(TimeSpan.FromSeconds(30));
        Assert.True(lost.Elapsed >= Settings.FailoverAfter - TimeSpan.FromMilliseconds(50), $"asked after {lost.Elapsed}");
        await slave2.ExpectMsgAsync<GetReplicaPosition>();
        slave1.Reply(new ReplicaPosition("broker-a", 1, 1, 1000));
        slave2.Reply(new ReplicaPosition("broker-a", 2, 1, 2000));

        var promote = await slave2.ExpectMsgAsync<PromoteToMaster>();
        Assert.Equal(Epoch(2, 2, start: 2000), promote.Decision);
        Assert.Equal(BrokerRole.SyncMaster, promote.MasterRole); // the promoted broker keeps the group's role
        slave2.Reply(new PromotedToMaster("broker-a", 2, 2, 2048));

        // The epoch begins where the promoted broker says its log ended.
        Assert.Equal(Epoch(2, 2, start: 2048), (await slave1.ExpectMsgAsync<FollowMaster>()).Decision);
        await DecisionReported(status, Epoch(2, 2, start: 2048));
        await master.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300)); // not live: nothing to tell it yet
    }

    [Fact]
    public async Task Failover_after_counts_from_the_masters_last_answer_to_a_probe_not_from_when_it_was_marked_unreachable()
    {
        // failover-after 4 s, probes every 200 ms: 1 s of slack either way for a loaded machine (late probe answers).
        var settings = Settings with { FailoverAfter = TimeSpan.FromSeconds(4) };
        var slack = TimeSpan.FromSeconds(1);
        var (master, slave, status) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var group = StartGroup(status, stored: Epoch(1, 0), settings: settings);
        group.Tell(View((Record(master, 0, 1), true), (Record(slave, 1, 1), true)));
        await Task.Delay(settings.MasterProbeInterval * 3); // the master answers the coordinator's probes (any actor answers Identify)

        // The master dies: it stops answering at once, but the failure detector marks it unreachable only later.
        Sys.Stop(master.Ref);
        var died = Stopwatch.StartNew();
        await Task.Delay(settings.FailoverAfter / 2);
        var marked = Stopwatch.StartNew();
        group.Tell(View((Record(master, 0, 1), false), (Record(slave, 1, 1), true)));

        await slave.ExpectMsgAsync<GetReplicaPosition>(TimeSpan.FromSeconds(30));
        Assert.True(died.Elapsed >= settings.FailoverAfter - slack, $"asked {died.Elapsed} after the death");
        Assert.True(marked.Elapsed < settings.FailoverAfter - slack, $"asked {marked.Elapsed} after the master was marked unreachable");
    }

    [Fact]
    public async Task A_refused_or_unanswered_candidate_is_passed_over_for_the_next_with_a_new_epoch_each_time()
    {
        var (slave1, slave2, slave3, status) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var group = StartGroup(status, stored: Epoch(1, 0), settings: Settings with { FailoverAfter = TimeSpan.FromMilliseconds(200) });

        group.Tell(View((Record(slave1, 1, 1), true), (Record(slave2, 2, 1), true), (Record(slave3, 3, 1), true)));
        foreach (var (probe, offset) in new[] { (slave1, 300L), (slave2, 200L), (slave3, 100L) })
        {
            await probe.ExpectMsgAsync<GetReplicaPosition>();
            probe.Reply(new ReplicaPosition("broker-a", probe == slave1 ? 1 : probe == slave2 ? 2 : 3, 1, offset));
        }

        Assert.Equal(Epoch(2, 1, 300), (await slave1.ExpectMsgAsync<PromoteToMaster>()).Decision);
        slave1.Reply(new PromotionRefused("broker-a", 1, 2, "store cannot write"));

        // slave2 never answers: it is asked again every resend-interval, then passed over.
        Assert.Equal(Epoch(3, 2, 200), (await slave2.ExpectMsgAsync<PromoteToMaster>()).Decision);
        Assert.Equal(Epoch(3, 2, 200), (await slave2.ExpectMsgAsync<PromoteToMaster>()).Decision);

        Assert.Equal(Epoch(4, 3, 100), (await slave3.ExpectMsgAsync<PromoteToMaster>(TimeSpan.FromSeconds(30))).Decision);
        slave3.Reply(new PromotedToMaster("broker-a", 3, 4, 100));
        await DecisionReported(status, Epoch(4, 3, 100));
    }

    [Fact]
    public async Task When_every_candidate_fails_the_epoch_is_stored_vacant_and_nobody_is_told_to_follow_it()
    {
        var (slave1, status) = (CreateTestProbe(), CreateTestProbe());
        var group = StartGroup(status, stored: Epoch(1, 0), settings: Settings with { FailoverAfter = TimeSpan.FromMilliseconds(200) });

        group.Tell(View((Record(slave1, 1, 1), true)));
        await slave1.ExpectMsgAsync<GetReplicaPosition>();
        slave1.Reply(new ReplicaPosition("broker-a", 1, 1, 10));
        await slave1.ExpectMsgAsync<PromoteToMaster>();
        slave1.Reply(new PromotionRefused("broker-a", 1, 2, "not ready"));

        await DecisionReported(status, Epoch(2, FailoverRules.NoMaster, 10));
        // The election goes on: asked again (after resend-interval), and promoted in a fresh epoch this time.
        await slave1.FishForMessageAsync(m => m is GetReplicaPosition);
        slave1.Reply(new ReplicaPosition("broker-a", 1, 1, 10));
        Assert.Equal(Epoch(3, 1, 10), (await slave1.ExpectMsgAsync<PromoteToMaster>()).Decision);
    }

    [Fact]
    public async Task A_returning_old_master_claiming_an_older_epoch_is_told_to_follow_the_new_master()
    {
        var (oldMaster, newMaster, status) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var group = StartGroup(status, stored: Epoch(2, 1, 500));

        group.Tell(View((Record(oldMaster, 0, 1, BrokerRole.SyncMaster), true), (Record(newMaster, 1, 2, BrokerRole.AsyncMaster), true)));

        Assert.Equal(Epoch(2, 1, 500), (await oldMaster.ExpectMsgAsync<FollowMaster>()).Decision);
        await newMaster.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        // Told again while it keeps publishing the old epoch, at most once per resend-interval.
        await Task.Delay(Settings.ResendInterval);
        group.Tell(View((Record(oldMaster, 0, 1, BrokerRole.SyncMaster), true), (Record(newMaster, 1, 2, BrokerRole.AsyncMaster), true)));
        await oldMaster.ExpectMsgAsync<FollowMaster>();
        // A late PromotedToMaster for an older epoch gets the same answer.
        group.Tell(new PromotedToMaster("broker-a", 0, 1, 0), oldMaster.Ref);
        Assert.Equal(Epoch(2, 1, 500), (await oldMaster.ExpectMsgAsync<FollowMaster>()).Decision);
    }

    [Fact]
    public async Task A_master_back_before_failover_after_cancels_the_failover()
    {
        var (master, slave, status) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var group = StartGroup(status, stored: Epoch(1, 0));

        group.Tell(View((Record(master, 0, 1), false), (Record(slave, 1, 1), true)));
        await status.FishForMessageAsync(m => m is GroupFailoverState s && s.Status.StartsWith("master missing"));
        await Task.Delay(Settings.FailoverAfter / 2);
        group.Tell(View((Record(master, 0, 1), true), (Record(slave, 1, 1), true)));
        await status.FishForMessageAsync(m => m is GroupFailoverState { Status: "master live" });

        await slave.ExpectNoMsgAsync(Settings.FailoverAfter + TimeSpan.FromSeconds(1));
        await master.ExpectNoMsgAsync(TimeSpan.Zero);
    }

    [Fact]
    public async Task Without_a_live_slave_nothing_is_decided_until_one_appears()
    {
        var (slave, status) = (CreateTestProbe(), CreateTestProbe());
        var group = StartGroup(status, stored: Epoch(1, 0), settings: Settings with { FailoverAfter = TimeSpan.FromMilliseconds(200) });

        group.Tell(View((Record(slave, 1, 1), false)));
        await status.FishForMessageAsync(m => m is GroupFailoverState s && s.Status.Contains("failover due"));
        await slave.ExpectNoMsgAsync(TimeSpan.FromSeconds(1));

        group.Tell(View((Record(slave, 1, 1), true)));
        await slave.ExpectMsgAsync<GetReplicaPosition>();
    }

    [Fact]
    public async Task With_failover_disabled_a_missing_master_is_logged_and_nobody_is_promoted()
    {
        var (slave, status) = (CreateTestProbe(), CreateTestProbe());
        var group = StartGroup(status, stored: Epoch(1, 0), settings: Settings with { Enable = false, FailoverAfter = TimeSpan.FromMilliseconds(200) });

        await EventFilter.Warning(contains: "failover is disabled").ExpectAsync(2, async () =>
        {
            group.Tell(View((Record(slave, 1, 1), true)));
            await slave.ExpectNoMsgAsync(TimeSpan.FromSeconds(1));
        });
    }

    [Fact]
    public async Task A_broker_in_an_older_epoch_is_not_promoted_even_with_more_bytes()
    {
        var (slave1, slave2, status) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var group = StartGroup(status, stored: Epoch(3, 0), settings: Settings with { FailoverAfter = TimeSpan.FromMilliseconds(200) });

        group.Tell(View((Record(slave1, 1, 3), true), (Record(slave2, 2, 2), true)));
        await slave1.ExpectMsgAsync<GetReplicaPosition>();
        // slave2 is told to follow epoch 3 (it reports epoch 2; again every resend-interval), and asked like every live broker.
        Assert.Equal(Epoch(3, 0), ((FollowMaster)await slave2.FishForMessageAsync(m => m is FollowMaster)).Decision);
        await slave2.FishForMessageAsync(m => m is GetReplicaPosition);
        slave1.Reply(new ReplicaPosition("broker-a", 1, 3, 100));
        slave2.Reply(new ReplicaPosition("broker-a", 2, 2, 900)); // more bytes, but an older epoch

        Assert.Equal(Epoch(4, 1, 100), (await slave1.ExpectMsgAsync<PromoteToMaster>()).Decision);
        await slave2.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }
}
