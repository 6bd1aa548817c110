using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.TestKit;
using Rocket.Failover;
using Rocket.Naming;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Failover;

/// <summary>The coordinator on the real broker table (DData) of a one-node cluster, with probes as brokers.</summary>
public class FailoverCoordinatorTests(ITestOutputHelper output) : FailoverTestKit(output)
{
    private IActorRef Replicator => DistributedData.Get(Sys).Replicator;

    private async Task Publish(BrokerRecord record) =>
        Assert.IsType<UpdateSuccess>(await Replicator.Ask<IUpdateResponse>(Dsl.Update(BrokerRegistry.Key, BrokerRegistry.Empty,
            WriteLocal.Instance, t => t.SetItem(Cluster.Get(Sys), record.Key, record with { PublishedAt = BrokerRegistry.NowMillis() }))));

    private async Task Unpublish(BrokerRecord record) =>
        Assert.IsType<UpdateSuccess>(await Replicator.Ask<IUpdateResponse>(Dsl.Update(BrokerRegistry.Key, BrokerRegistry.Empty,
            WriteLocal.Instance, t => t.Remove(Cluster.Get(Sys), record.Key))));

    private IActorRef StartCoordinator() => Sys.ActorOf(FailoverCoordinator.Props(Settings, new NamingSettings()));

    private async Task<GroupFailoverState> GroupState(IActorRef coordinator, Func<GroupFailoverState, bool> until)
    {
        GroupFailoverState? found = null;
        await AwaitAssertAsync(async () =>
        {
            var state = await coordinator.Ask<FailoverState>(GetFailoverState.Instance, TimeSpan.FromSeconds(3));
            Assert.True(state.Loaded);
            found = Assert.Single(state.Groups);
            Assert.True(until(found), $"group state so far: {found}");
        }, TimeSpan.FromSeconds(30));
        return found!;
    }

    private static ValueTask<object> Next<T>(TestProbe probe) => probe.FishForMessageAsync(m => m is T, TimeSpan.FromSeconds(30));

    [Fact]
    public async Task A_new_coordinator_continues_from_the_stored_decision_and_tells_the_returning_old_master_to_follow()
    {
        var (master, slave) = (CreateTestProbe(), CreateTestProbe());
        await Publish(Record(master, 0, epoch: 0));
        await Publish(Record(slave, 1, epoch: 0));
        var first = StartCoordinator();

        await GroupState(first, g => g.Decision == Epoch(1, 0) && g.Status == "master live");
        Assert.Equal(Epoch(1, 0), ((FollowMaster)await Next<FollowMaster>(master)).Decision);
        await Publish(Record(master, 0, epoch: 1));
        await Publish(Record(slave, 1, epoch: 1));

        // The master leaves the broker table: after failover-after the slave is asked, chosen and promoted.
        await Unpublish(Record(master, 0, epoch: 1));
        await Next<GetReplicaPosition>(slave);
        slave.Reply(new ReplicaPosition("broker-a", 1, 1, 500));
        Assert.Equal(Epoch(2, 1, 500), ((PromoteToMaster)await Next<PromoteToMaster>(slave)).Decision);
        slave.Reply(new PromotedToMaster("broker-a", 1, 2, 500));
        await Publish(Record(slave, 1, epoch: 2, role: BrokerRole.AsyncMaster));
        await GroupState(first, g => g.Decision == Epoch(2, 1, 500) && g.Status == "master live");

        // The coordinator stops (its seed crashed, say); a new one reads the decision back and does not decide again.
        Watch(first);
        Sys.Stop(first);
        await ExpectTerminatedAsync(first);
        var second = StartCoordinator();
        await GroupState(second, g => g.Decision == Epoch(2, 1, 500) && g.Status == "master live");
        var later = slave.ReceiveWhile(TimeSpan.FromSeconds(1), m => m); // a FollowMaster of the first one may still arrive
        Assert.DoesNotContain(later, m => m is GetReplicaPosition or PromoteToMaster);

        // The old master returns, still claiming epoch 1: it is told to follow broker 1 in epoch 2.
        await Publish(Record(master, 0, epoch: 1, role: BrokerRole.SyncMaster));
        Assert.Equal(Epoch(2, 1, 500), ((FollowMaster)await Next<FollowMaster>(master)).Decision);
    }

    [Fact]
    public async Task The_state_query_lists_every_group_in_order_and_says_whether_failover_is_enabled()
    {
        var (a, b) = (CreateTestProbe(), CreateTestProbe());
        await Publish(Record(a, 0, epoch: 0) with { BrokerName = "broker-b" });
        await Publish(Record(b, 1, epoch: 0));
        var coordinator = StartCoordinator();

        await AwaitAssertAsync(async () =>
        {
            var state = await coordinator.Ask<FailoverState>(GetFailoverState.Instance, TimeSpan.FromSeconds(3));
            Assert.True(state.Enabled);
            Assert.Equal(["broker-a", "broker-b"], state.Groups.Select(g => g.BrokerName));
            Assert.Null(state.Groups[0].Decision); // broker-a has only a slave: no first epoch
            Assert.Equal("no decision yet", state.Groups[0].Status);
            Assert.Equal(new BrokerGroupEpoch("DefaultCluster", "broker-b", 1, 0, 0), state.Groups[1].Decision);
        }, TimeSpan.FromSeconds(30));
    }
}
