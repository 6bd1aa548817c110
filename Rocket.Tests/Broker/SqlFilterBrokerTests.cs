using System.Text;
using Akka.Actor;
using Rocket.Broker;
using Rocket.Protocol;
using Rocket.Protocol.Filtering;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker;

/// <summary>SQL92 pulls on a real broker and store: only matches cross the wire, the offset moves past the rest, the gate.</summary>
public class SqlFilterBrokerTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TempDirectory _dir = new("broker-sql");
    private long _requestId;

    public SqlFilterBrokerTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    private static readonly BrokerSettings Enabled = new() { EnablePropertyFilter = true };

    private IActorRef StartBroker(BrokerSettings settings)
    {
        var store = MessageStore.Open(TestMessages.SmallStore(_dir.Path));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory([new TopicConfig("T", 1, 1)]), InMemoryOffsetsActor.Props(), Publisher: null);
        return Sys.ActorOf(BrokerActor.Props(store, settings, parts), BrokerActor.Name);
    }

    private static WireMessage Wire(int seq, params (string Name, string Value)[] properties) =>
        new("T", 0, Encoding.UTF8.GetBytes(seq.ToString()),
            properties.Length == 0 ? null : MessageProperties.Encode(properties.Select(p => KeyValuePair.Create(p.Name, p.Value))), 0, 1_700_000_000_000);

    private void Produce(IActorRef broker, IEnumerable<WireMessage> messages)
    {
        broker.Tell(new ProduceRequest(++_requestId, messages.ToArray()));
        Assert.All(ExpectMsg<ProduceResponse>(TimeSpan.FromSeconds(30)).Results, r => Assert.Equal(ProduceStatus.Ok, r.Status));
    }

    private PullResponse Pull(IActorRef broker, long offset, string sql, int max = 32)
    {
        broker.Tell(new PullRequest(++_requestId, "g", "T", 0, offset, max, sql, 0, FilterType.Sql92));
        return ExpectMsg<PullResponse>(TimeSpan.FromSeconds(30));
    }

    private static string[] Bodies(PullResponse response) => response.Messages.Select(m => Encoding.UTF8.GetString(m.Body)).ToArray();

    [Fact]
    public void A_SQL92_pull_returns_only_matching_messages_and_moves_past_the_others()
    {
        var broker = StartBroker(Enabled);
        Produce(broker, Enumerable.Range(0, 100).Select(i => Wire(i, ("a", (i % 10).ToString()), ("TAGS", i % 20 == 0 ? "Red" : "Blue"))));

        // One pull scans past the 90 non-matching messages to fill its batch: the ten matches, nothing else.
        PullResponse first = null!;
        AwaitAssert(() =>
        {
            first = Pull(broker, 0, "a = 0");
            Assert.Equal(PullStatus.Found, first.Status);
            Assert.Equal(100, first.NextOffset);
        });
        Assert.Equal(["0", "10", "20", "30", "40", "50", "60", "70", "80", "90"], Bodies(first));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 10L), first.Messages.Select(m => m.QueueOffset));

        // TAGS is a property like any other; conditions combine.
        Assert.Equal(["0", "20", "40", "60", "80"], Bodies(Pull(broker, 0,
            "TAGS = 'Red' AND a BETWEEN 0 AND 5 AND other IS NULL AND NOT (a > 0) AND a IN ('0', '5') AND a NOT IN ('9')")));
        Assert.Equal(["8", "9", "18", "19"], Bodies(Pull(broker, 0, "a >= 8 AND TAGS <> 'Red'")).Take(4).ToArray());

        // Only non-matching messages from here: the pull says so and moves the offset past them (RocketMQ's NO_MATCHED_MESSAGE).
        Produce(broker, Enumerable.Range(100, 5).Select(i => Wire(i, ("a", "7"))));
        AwaitAssert(() =>
        {
            var none = Pull(broker, 100, "a = 0");
            Assert.Equal(PullStatus.NoMatchedMessage, none.Status);
            Assert.Empty(none.Messages);
            Assert.Equal(105, none.NextOffset);
        });

        // A message without the property never matches, not even NOT (a = 0).
        Produce(broker, [Wire(105)]);
        AwaitAssert(() => Assert.Equal(106, Pull(broker, 105, "NOT (a = 0)").NextOffset));
        Assert.Empty(Pull(broker, 105, "NOT (a = 0)").Messages);
        Assert.Equal(["105"], Bodies(Pull(broker, 105, "a IS NULL")));
    }

    [Fact]
    public void A_SQL92_pull_is_refused_naming_the_setting_while_enable_property_filter_is_off()
    {
        var broker = StartBroker(new BrokerSettings());
        Assert.False(new BrokerSettings().EnablePropertyFilter); // RocketMQ's default
        Produce(broker, [Wire(0, ("a", "1"))]);
        var refused = Pull(broker, 0, "a = 1");
        Assert.Equal(PullStatus.FilterRefused, refused.Status);
        Assert.Empty(refused.Messages);
        Assert.Contains("rocket.broker.enable-property-filter = on", refused.Error);
        Assert.Contains("broker-a", refused.Error);
        // Tag pulls are not affected. A pull that comes before the projection answers NoNewMessage: pull again.
        AwaitAssert(() =>
        {
            broker.Tell(new PullRequest(++_requestId, "g", "T", 0, 0, 32, "*", 0));
            Assert.Equal(PullStatus.Found, ExpectMsg<PullResponse>(TimeSpan.FromSeconds(30)).Status);
        }, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void An_invalid_SQL92_expression_is_refused_at_pull_with_the_same_words_as_at_subscribe()
    {
        var broker = StartBroker(Enabled);
        const string bad = "a > 5 AND (b = 1";
        var refused = Pull(broker, 0, bad);
        Assert.Equal(PullStatus.FilterRefused, refused.Status);
        var compileError = Assert.Throws<FilterSyntaxException>(() => SqlFilter.Compile(bad));
        Assert.Equal(compileError.Message, refused.Error);
        Assert.Contains("expected ')'", refused.Error);
        Assert.Contains("at column 17", refused.Error);
    }

    [Fact]
    public void A_held_SQL92_pull_is_answered_when_a_message_arrives()
    {
        var broker = StartBroker(Enabled);
        var consumer = CreateTestProbe();
        broker.Tell(new PullRequest(1, "g", "T", 0, 0, 32, "a = 1", 20_000, FilterType.Sql92), consumer.Ref);
        consumer.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Produce(broker, [Wire(0, ("a", "2")), Wire(1, ("a", "1"))]);
        var response = consumer.ExpectMsg<PullResponse>(TimeSpan.FromSeconds(5));
        // Either both arrived before the held pull was re-read (the match), or only the first (moved past, no match).
        if (response.Status == PullStatus.Found) Assert.Equal(["1"], Bodies(response));
        else Assert.Equal(PullStatus.NoMatchedMessage, response.Status);
    }
}
