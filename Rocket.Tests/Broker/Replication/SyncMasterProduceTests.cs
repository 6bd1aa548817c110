using System.Text;
using Akka.Actor;
using Akka.TestKit;
using Rocket.Broker;
using Rocket.Broker.Metadata;
using Rocket.Broker.Produce;
using Rocket.Broker.Replication;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Log;
using Xunit;

namespace Rocket.Tests.Broker.Replication;

/// <summary>The produce path under SYNC_MASTER and ASYNC_MASTER, probes for the journal and the replication source.</summary>
public sealed class SyncMasterProduceTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TestProbe _journal;
    private readonly TestProbe _replication;

    public SyncMasterProduceTests() : base(Rocket.Tests.Support.TestKitConfig.Reference)
    {
        _journal = CreateTestProbe();
        _replication = CreateTestProbe();
    }

    private IActorRef Start(BrokerRoleState role)
    {
        var produce = Sys.ActorOf(ProduceActor.Props(new BrokerSettings { BrokerRole = role.Role }, _journal.Ref, CreateTestProbe().Ref, role, _replication.Ref));
        _journal.ExpectMsg<GetJournal>();
        produce.Tell(new TopicTableChanged(new Dictionary<string, TopicConfig> { ["T"] = new("T", 4, 4) }));
        return produce;
    }

    private static WireMessage Wire(string body) => new("T", 0, Encoding.UTF8.GetBytes(body), null, 0, 1);

    private BatchAppended Store()
    {
        var batch = _journal.ExpectMsg<AppendBatch>();
        var appended = new BatchAppended(batch.BatchId, batch.Messages.Select((_, i) => new AppendResult(AppendStatus.Ok, i, 1000 + 100 * i, 5, 100)).ToArray());
        _journal.Reply(appended);
        return appended;
    }

    [Fact]
    public void Sync_master_answers_once_the_source_confirms_the_batch_end_with_its_status()
    {
        var produce = Start(new BrokerRoleState(BrokerRole.SyncMaster, 0));
        produce.Tell(new ProduceRequest(1, [Wire("a"), Wire("b")]));
        var appended = Store();
        var wait = _replication.ExpectMsg<AwaitReplicas>();
        Assert.Equal(1200, wait.EndOffset); // the second message ends at 1100 + 100
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // not before the slaves confirm
        _replication.Reply(new ReplicatedBatch(appended, ProduceStatus.FlushSlaveTimeout, "too slow"));
        var results = ExpectMsg<ProduceResponse>().Results;
        Assert.All(results, r => Assert.Equal(ProduceStatus.FlushSlaveTimeout, r.Status));
        Assert.Equal([0L, 1L], results.Select(r => r.QueueOffset)); // stored all the same

        produce.Tell(new ProduceRequest(2, [Wire("c")]));
        appended = Store();
        _replication.ExpectMsg<AwaitReplicas>();
        _replication.Reply(new ReplicatedBatch(appended, ProduceStatus.Ok, null));
        Assert.Equal(ProduceStatus.Ok, ExpectMsg<ProduceResponse>().Results[0].Status);
    }

    [Fact]
    public void Async_master_answers_at_once_and_wakes_the_source_only_with_slaves()
    {
        var role = new BrokerRoleState(BrokerRole.AsyncMaster, 0);
        var produce = Start(role);
        produce.Tell(new ProduceRequest(1, [Wire("a")]));
        Store();
        Assert.Equal(ProduceStatus.Ok, ExpectMsg<ProduceResponse>().Results[0].Status);
        _replication.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        role.HasSlaves = true;
        produce.Tell(new ProduceRequest(2, [Wire("b")]));
        Store();
        Assert.Equal(ProduceStatus.Ok, ExpectMsg<ProduceResponse>().Results[0].Status);
        _replication.ExpectMsg<LogAppended>();
    }

    [Fact]
    public void A_broker_that_stepped_down_refuses_writes()
    {
        var role = new BrokerRoleState(BrokerRole.SyncMaster, 0);
        var produce = Start(role);
        role.Set(BrokerRole.Slave, 1);
        produce.Tell(new ProduceRequest(1, [Wire("a")]));
        var result = ExpectMsg<ProduceResponse>().Results[0];
        Assert.Equal(ProduceStatus.ServiceNotAvailable, result.Status);
        Assert.Contains("is a slave", result.Error);
        _journal.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
