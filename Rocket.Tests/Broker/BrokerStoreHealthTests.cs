using System.Text;
using Akka.Actor;
using Rocket.Broker;
using Rocket.Naming;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Space;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker;

/// <summary>
/// A broker whose store cannot write refuses sends with an error naming the broker and the cause, publishes itself as
/// unhealthy (what <c>rocket cluster</c> shows), and serves again by itself when the cause goes away.
/// </summary>
public class BrokerStoreHealthTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TempDirectory _dir = new("broker-health");
    private readonly FixedDiskUsageProbe _disk = new(50);
    private long _requestId;

    public BrokerStoreHealthTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    /// <summary>Stands in for the gossip publisher: hands every record the broker publishes to a probe.</summary>
    private sealed class ForwardingPublisher : ReceiveActor
    {
        public ForwardingPublisher(IActorRef probe) => ReceiveAny(m => probe.Forward(m));
    }

    private ProduceResponse Produce(IActorRef broker, string body)
    {
        broker.Tell(new ProduceRequest(++_requestId, [new WireMessage("T", 0, Encoding.UTF8.GetBytes(body), null, 0, 1_700_000_000_000)]));
        long id = _requestId;
        return ExpectMsg<ProduceResponse>(r => r.RequestId == id, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_broker_with_a_full_disk_refuses_sends_naming_itself_and_the_cause_publishes_it_and_recovers()
    {
        var store = MessageStore.Open(TestMessages.SmallStore(_dir.Path) with { CleanResourceInterval = TimeSpan.FromMilliseconds(100) }, _disk);
        var records = CreateTestProbe();
        var parts = new BrokerParts(InMemoryTopicsActor.Factory([new TopicConfig("T", 4, 4)]), InMemoryOffsetsActor.Props(),
            Akka.Actor.Props.Create(() => new ForwardingPublisher(records.Ref)));
        var broker = Sys.ActorOf(BrokerActor.Props(store, new BrokerSettings(), parts), BrokerActor.Name);

        Assert.Null(records.ExpectMsg<PublishBrokerRecord>(TimeSpan.FromSeconds(30)).Record.StoreProblem);
        Assert.Equal(ProduceStatus.Ok, Produce(broker, "before").Results[0].Status);

        _disk.Value = 95; // above disk-space-warning-level-ratio (90): retention's check marks the store failing
        var unhealthy = records.FishForMessage<PublishBrokerRecord>(p => p.Record.StoreProblem is not null, TimeSpan.FromSeconds(10)).Record;
        Assert.False(unhealthy.IsHealthy);
        Assert.Contains("disk full", unhealthy.StoreProblem);
        var refused = Produce(broker, "refused").Results[0];
        Assert.Equal(ProduceStatus.ServiceNotAvailable, refused.Status);
        Assert.StartsWith("broker broker-a: store ", refused.Error);
        Assert.Contains("cannot write: disk full", refused.Error);
        Assert.Contains("95.0% used", refused.Error);
        Assert.EndsWith("not accepting messages", refused.Error);

        _disk.Value = 50;
        Assert.True(records.FishForMessage<PublishBrokerRecord>(p => p.Record.StoreProblem is null, TimeSpan.FromSeconds(10)).Record.IsHealthy);
        Assert.Equal(ProduceStatus.Ok, Produce(broker, "after").Results[0].Status);
        AwaitAssert(() => Assert.Equal(2, store.GetMaxOffset("T", 0)), TimeSpan.FromSeconds(10));
    }
}
