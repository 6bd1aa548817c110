using System.Text;
using Akka.Actor;
using Rocket.Broker;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker;

/// <summary>A raw produce request asking for a feature Rocket lacks is refused by the broker, never stored as a plain message.</summary>
public sealed class ProduceRefusalTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TempDirectory _dir = new("broker-refusal");

    public ProduceRefusalTests() : base(Rocket.Settings.RocketConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    [Fact]
    public void A_message_with_a_delay_level_or_a_half_message_without_its_producer_group_is_refused_and_the_others_of_the_request_are_stored()
    {
        var store = MessageStore.Open(TestMessages.SmallStore(_dir.Path));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory([new TopicConfig("T", 1, 1)]), InMemoryOffsetsActor.Props(), Publisher: null);
        var broker = Sys.ActorOf(BrokerActor.Props(store, new BrokerSettings(), parts), BrokerActor.Name);

        broker.Tell(new ProduceRequest(1, [
            Wire("plain", null),
            Wire("delayed", "DELAY\u00013\u0002"),
            Wire("half", "TRAN_MSG\u0001true\u0002"),
            Wire("no-delay", "DELAY\u00010\u0002"),
        ]));
        var results = ExpectMsg<ProduceResponse>(TimeSpan.FromSeconds(10)).Results;

        Assert.Equal([ProduceStatus.Ok, ProduceStatus.MessageIllegal, ProduceStatus.MessageIllegal, ProduceStatus.Ok], results.Select(r => r.Status));
        Assert.Contains("delay levels are not supported yet", results[1].Error);
        Assert.Contains("needs its producer group in PGROUP", results[2].Error);
        AwaitAssert(() =>
        {
            broker.Tell(new PullRequest(2, "g", "T", 0, 0, 32, null, 0));
            var pulled = ExpectMsg<PullResponse>(TimeSpan.FromSeconds(10));
            Assert.Equal(["plain", "no-delay"], pulled.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
        });
    }

    private static WireMessage Wire(string body, string? properties) =>
        new("T", 0, Encoding.UTF8.GetBytes(body), properties, 0, 1_700_000_000_000);
}
