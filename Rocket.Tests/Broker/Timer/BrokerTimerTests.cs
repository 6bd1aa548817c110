using System.Text;
using Akka.Actor;
using Rocket.Broker;
using Rocket.Broker.Timer;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Timer;

/// <summary>
/// A broker with its real store and timer actor: timer messages are parked on write, delivered to their real topic and
/// queue when due (never before), in due order, and a restarted broker continues from the timer's saved progress.
/// </summary>
public sealed class BrokerTimerTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new("broker-timer");
    private long _requestId;

    public BrokerTimerTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    private IActorRef StartBroker()
    {
        var store = MessageStore.Open(TestMessages.SmallStore(_dir.Path));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory([new TopicConfig("T", 2, 2)]), InMemoryOffsetsActor.Props(), Publisher: null);
        var settings = new BrokerSettings { Timer = new TimerSettings { MaxDelaySec = 60, PrecisionMs = 50 } };
        return Sys.ActorOf(BrokerActor.Props(store, settings, parts), BrokerActor.Name);
    }

    private ProduceResult[] Produce(IActorRef broker, params WireMessage[] messages)
    {
        broker.Tell(new ProduceRequest(++_requestId, messages));
        return ExpectMsg<ProduceResponse>(Wait).Results;
    }

    private PulledMessage[] Pull(IActorRef broker, int queue)
    {
        broker.Tell(new PullRequest(++_requestId, "g", "T", queue, 0, 64, null, 0));
        return ExpectMsg<PullResponse>(Wait).Messages;
    }

    private static WireMessage Wire(string body, string properties, int queue = 1) =>
        new("T", queue, Encoding.UTF8.GetBytes(body), properties, 0, 1_700_000_000_000);

    private static string Body(PulledMessage m) => Encoding.UTF8.GetString(m.Body);

    [Fact]
    public void Timers_are_parked_then_delivered_to_their_queue_when_due_in_due_order_and_never_early()
    {
        var broker = StartBroker();
        Produce(broker, Wire("warm-up", "", queue: 0)); // the broker is serving: the due times below are not eaten by its start
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var results = Produce(broker,
            Wire("late", "TIMER_DELAY_MS\u00011500\u0002UNIQ_KEY\u0001u-late\u0002TAGS\u0001TagA\u0002KEYS\u0001k1\u0002color\u0001red\u0002"),
            Wire("first", "TIMER_DELAY_MS\u0001600\u0002"),
            Wire("middle", $"TIMER_DELIVER_MS\u0001{now + 1000}\u0002"),
            Wire("plain", "UNIQ_KEY\u0001u-plain\u0002"),
            Wire("overdue", "TIMER_DELIVER_MS\u00011\u0002"),
            Wire("too-far", "TIMER_DELAY_SEC\u000161\u0002"),
            Wire("two-forms", "TIMER_DELAY_SEC\u00011\u0002TIMER_DELAY_MS\u00011\u0002"));

        Assert.Equal([ProduceStatus.Ok, ProduceStatus.Ok, ProduceStatus.Ok, ProduceStatus.Ok, ProduceStatus.Ok, ProduceStatus.MessageIllegal, ProduceStatus.MessageIllegal],
            results.Select(r => r.Status));
        Assert.Contains("rocket.broker.timer-max-delay-sec = 60", results[5].Error);
        Assert.Contains("carries 2 of them", results[6].Error);
        // At once: the plain message and the overdue timer (stamped with its due time); the others are parked.
        // (Ahead of every parked one in the queue; a slow pull may already see "first" behind them, so only the head is checked.)
        PulledMessage[] atOnce = [];
        AwaitAssert(() => Assert.True((atOnce = Pull(broker, 1)).Length >= 2), Wait, TimeSpan.FromMilliseconds(50));
        Assert.Equal(["plain", "overdue"], atOnce[..2].Select(Body));
        Assert.Equal("1", MessageProperties.Get(atOnce[1].Properties, MessageProperties.TimerOutMs));
        Assert.Null(MessageProperties.Get(atOnce[1].Properties, "TIMER_DELIVER_MS"));

        PulledMessage[] all = [];
        AwaitAssert(() => Assert.Equal(5, (all = Pull(broker, 1)).Length), Wait, TimeSpan.FromMilliseconds(100));
        Assert.Equal(["plain", "overdue", "first", "middle", "late"], all.Select(Body));
        foreach (var delivered in all[2..])
        {
            long due = long.Parse(MessageProperties.Get(delivered.Properties, MessageProperties.TimerOutMs)!);
            Assert.True(delivered.StoreTimestamp >= due, $"{Body(delivered)} stored at {delivered.StoreTimestamp}, before its due time {due}");
            Assert.True(delivered.StoreTimestamp - due < 5_000, $"{Body(delivered)} stored {delivered.StoreTimestamp - due} ms after its due time");
            Assert.Null(MessageProperties.Get(delivered.Properties, MessageProperties.RealTopic));
            Assert.Null(MessageProperties.Get(delivered.Properties, MessageProperties.RealQueueId));
            Assert.Null(MessageProperties.Get(delivered.Properties, "TIMER_DELAY_MS"));
        }
        var late = all[4];
        Assert.Equal(now + 1500, long.Parse(MessageProperties.Get(late.Properties, MessageProperties.TimerOutMs)!), 1000.0);
        Assert.Equal("u-late", MessageProperties.Get(late.Properties, MessageProperties.UniqueKey));
        Assert.Equal("TagA", MessageProperties.Get(late.Properties, MessageProperties.Tags));
        Assert.Equal("k1", MessageProperties.Get(late.Properties, MessageProperties.Keys));
        Assert.Equal("red", MessageProperties.Get(late.Properties, "color"));
        Assert.Equal(1_700_000_000_000, late.BornTimestamp);
        Assert.Equal(["warm-up"], Pull(broker, 0).Select(Body));
    }

    [Fact]
    public void A_restarted_broker_continues_from_the_timers_progress_delivering_what_was_pending_once()
    {
        var broker = StartBroker();
        Produce(broker, Wire("soon", "TIMER_DELAY_MS\u0001200\u0002"), Wire("later", "TIMER_DELAY_MS\u00013000\u0002"));
        AwaitAssert(() => Assert.Equal(["soon"], Pull(broker, 1).Select(Body)), Wait, TimeSpan.FromMilliseconds(100));

        Watch(broker);
        Sys.Stop(broker);
        ExpectTerminated(broker, Wait);
        var restarted = StartBroker();
        // Nothing delivered before the stop comes again; the pending timer fires once.
        AwaitAssert(() => Assert.Equal(["soon", "later"], Pull(restarted, 1).Select(Body)), Wait, TimeSpan.FromMilliseconds(200));
        // The restarted timer service has nothing left: "soon" is not waiting to be delivered a second time.
        var timer = Sys.ActorSelection("/user/broker/timer");
        AwaitAssert(() =>
        {
            var status = timer.Ask<TimerStatus>(GetTimerStatus.Instance, Wait).GetAwaiter().GetResult();
            Assert.Equal((0L, 0, 0, 1L), (status.Waiting, status.Due, status.InFlight, status.Delivered));
        }, Wait, TimeSpan.FromMilliseconds(100));
        Assert.Equal(["soon", "later"], Pull(restarted, 1).Select(Body));
    }
}
