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

    public ProduceRefusalTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    [Fact]
    public void A_message_with_a_bad_delay_level_or_a_bad_half_message_or_an_internal_topic_is_refused_and_the_others_of_the_request_are_stored()
    {
        var store = MessageStore.Open(TestMessages.SmallStore(_dir.Path));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory([new TopicConfig("T", 1, 1)]), InMemoryOffsetsActor.Props(), Publisher: null);
        var broker = Sys.ActorOf(BrokerActor.Props(store, new BrokerSettings(), parts), BrokerActor.Name);

        broker.Tell(new ProduceRequest(1, [
            Wire("plain", null),
            Wire("beyond-table", "DELAY\u000119\u0002"),
            Wire("half", "TRAN_MSG\u0001true\u0002"),
            Wire("no-delay", "DELAY\u00010\u0002"),
            Wire("not-a-level", "DELAY\u0001x\u0002"),
            Wire("internal", null) with { Topic = SystemTopics.Schedule },
            Wire("delayed-half", "DELAY\u00011\u0002TRAN_MSG\u0001true\u0002PGROUP\u0001PG\u0002"),
        ]));
        var results = ExpectMsg<ProduceResponse>(TimeSpan.FromSeconds(30)).Results;

        Assert.Equal([ProduceStatus.Ok, ProduceStatus.MessageIllegal, ProduceStatus.MessageIllegal, ProduceStatus.Ok,
            ProduceStatus.MessageIllegal, ProduceStatus.NoPermission, ProduceStatus.MessageIllegal], results.Select(r => r.Status));
        Assert.Contains("delay level 19 is above the broker's message-delay-level table of 18 levels", results[1].Error);
        Assert.Contains("needs its producer group in PGROUP", results[2].Error);
        Assert.Contains("DELAY='x' is not a delay level", results[4].Error);
        Assert.Contains($"topic '{SystemTopics.Schedule}' is internal to the broker", results[5].Error);
        Assert.Contains("cannot be delayed", results[6].Error);
        AwaitAssert(() =>
        {
            broker.Tell(new PullRequest(2, "g", "T", 0, 0, 32, null, 0));
            var pulled = ExpectMsg<PullResponse>(TimeSpan.FromSeconds(30));
            Assert.Equal(["plain", "no-delay"], pulled.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
        });
        broker.Tell(new PullRequest(3, "g", SystemTopics.Schedule, 0, 0, 32, null, 0));
        var refused = ExpectMsg<PullResponse>(TimeSpan.FromSeconds(30));
        Assert.Equal(PullStatus.NoPermission, refused.Status);
        Assert.Contains($"topic '{SystemTopics.Schedule}' is internal to the broker", refused.Error);
    }

    private static WireMessage Wire(string body, string? properties) =>
        new("T", 0, Encoding.UTF8.GetBytes(body), properties, 0, 1_700_000_000_000);
}
