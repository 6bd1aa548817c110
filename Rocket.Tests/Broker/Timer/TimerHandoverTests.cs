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
/// A promoted slave's timer service starts from the progress it copied from its master (<see cref="TimerHandoverFile"/>):
/// what the master delivered is not delivered again, what it had not is delivered once, and a timer parked on the new
/// master is never mistaken for one the old master delivered.
/// </summary>
public sealed class TimerHandoverTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _master = new("timer-master");
    private readonly TempDirectory _slave = new("timer-slave");
    private long _requestId;

    public TimerHandoverTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _master.Dispose();
        _slave.Dispose();
    }

    private IActorRef StartBroker(MessageStore store)
    {
        var parts = new BrokerParts(InMemoryTopicsActor.Factory([new TopicConfig("T", 2, 2)]), InMemoryOffsetsActor.Props(), Publisher: null);
        var settings = new BrokerSettings { Timer = new TimerSettings { MaxDelaySec = 60, PrecisionMs = 50 } };
        return Sys.ActorOf(BrokerActor.Props(store, settings, parts), BrokerActor.Name);
    }

    private void Produce(IActorRef broker, params WireMessage[] messages)
    {
        broker.Tell(new ProduceRequest(++_requestId, messages));
        Assert.All(ExpectMsg<ProduceResponse>(Wait).Results, r => Assert.Equal(ProduceStatus.Ok, r.Status));
    }

    private string[] Pull(IActorRef broker)
    {
        broker.Tell(new PullRequest(++_requestId, "g", "T", 1, 0, 64, null, 0));
        return ExpectMsg<PullResponse>(Wait).Messages.Select(m => Encoding.UTF8.GetString(m.Body)).ToArray();
    }

    private static WireMessage Wire(string body, string properties) => new("T", 1, Encoding.UTF8.GetBytes(body), properties, 0, 1_700_000_000_000);

    private ReplicaTimerProgress Progress(IActorRef broker) =>
        broker.Ask<TimerProgressAnswer>(GetTimerProgress.Instance, Wait).GetAwaiter().GetResult().Progress!;

    /// <summary>The slave's store: the master's commit log and projections as replication leaves them, no timer files of its own.</summary>
    private void CopyStoreWithoutTimer()
    {
        foreach (var file in Directory.EnumerateFiles(_master.Path, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(_master.Path, file);
            if (relative.StartsWith("timer", StringComparison.Ordinal) || relative == "lock") continue;
            var target = Path.Combine(_slave.Path, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [Fact]
    public void A_promoted_slave_delivers_what_the_master_had_not_delivered_once_and_nothing_it_had()
    {
        var store = MessageStore.Open(TestMessages.SmallStore(_master.Path));
        var master = StartBroker(store);
        Produce(master, Wire("overdue", "TIMER_DELIVER_MS\u00011\u0002"), Wire("soon", "TIMER_DELAY_MS\u0001200\u0002"),
            Wire("later", "TIMER_DELAY_MS\u00016000\u0002"));
        AwaitAssert(() => Assert.Equal(["overdue", "soon"], Pull(master)), Wait, TimeSpan.FromMilliseconds(100)); // "overdue" is not parked
        ReplicaTimerProgress progress = null!;
        AwaitAssert(() =>
        {
            progress = Progress(master); // "soon" delivered and acknowledged, "later" still waiting
            Assert.Equal(2, progress.EnqueueOffset);
            Assert.Equal(long.MaxValue, progress.LateFromLogOffset);
            Assert.Equal((1L, 0, 0, 1L), Status(master));
        }, Wait, TimeSpan.FromMilliseconds(100));
        Watch(master);
        Sys.Stop(master);
        ExpectTerminated(master, Wait);
        Unwatch(master);

        // What the slave copied (the master had read 5 more timers into its wheel than reached this slave's log) and its promotion.
        CopyStoreWithoutTimer();
        TimerHandoverFile.Write(TimerHandoverFile.PathIn(Path.Combine(_slave.Path, "timer")), progress with { EnqueueOffset = progress.EnqueueOffset + 5 });
        var slaveStore = MessageStore.Open(TestMessages.SmallStore(_slave.Path));
        Assert.Null(slaveStore.BeginEpoch(1, slaveStore.CommitLog.MaxOffset));
        var promoted = StartBroker(slaveStore);
        // Parked on the new master at a timer-queue offset below the copied progress: delivered.
        Produce(promoted, Wire("after", "TIMER_DELAY_MS\u0001300\u0002"));

        AwaitAssert(() => Assert.Equal((0L, 0, 0, 2L), Status(promoted)), Wait, TimeSpan.FromMilliseconds(100)); // "after" and "later" only
        var delivered = Pull(promoted);
        Assert.Equal(["overdue", "soon"], delivered[..2]); // from the master, once
        Assert.Equal(["after", "later"], delivered[2..].Order()); // the new master's deliveries (their order depends on how long the hand-over took)
    }

    private (long Waiting, int Due, int InFlight, long Delivered) Status(IActorRef broker)
    {
        var status = Sys.ActorSelection(broker.Path / "timer").Ask<TimerStatus>(GetTimerStatus.Instance, Wait).GetAwaiter().GetResult();
        return (status.Waiting, status.Due, status.InFlight, status.Delivered);
    }

    [Fact]
    public void A_slave_copies_a_running_masters_timer_progress_into_its_store()
    {
        var master = StartBroker(MessageStore.Open(TestMessages.SmallStore(_master.Path)));
        Produce(master, Wire("soon", "TIMER_DELAY_MS\u0001100\u0002"), Wire("later", "TIMER_DELAY_MS\u000160000\u0002"));
        AwaitAssert(() => Assert.Equal(["soon"], Pull(master)), Wait, TimeSpan.FromMilliseconds(100));
        AwaitAssert(() => Assert.Equal((1L, 0, 0, 1L), Status(master)), Wait, TimeSpan.FromMilliseconds(100));
        var before = Progress(master);

        // The slave's metadata copy asks the master broker itself; its own metadata actors are probes.
        var topics = CreateTestProbe();
        var offsets = CreateTestProbe();
        var slaveSettings = new BrokerSettings { BrokerId = 1, BrokerRole = BrokerRole.Slave };
        var copy = Sys.ActorOf(Rocket.Broker.Replication.MetadataCopyActor.Props(slaveSettings, topics.Ref, offsets.Ref,
            (_, _) => master, CreateTestProbe().Ref, Path.Combine(_slave.Path, "timer")));
        copy.Tell(new Rocket.Broker.Replication.ReplicaMasterChanged("akka://test/user/broker"));
        topics.ExpectMsg<GetTopicConfigs>(Wait);
        topics.Reply(new TopicConfigs("broker-a", []));
        offsets.ExpectMsg<Rocket.Broker.Metadata.GetAllConsumerOffsets>(Wait);
        offsets.Reply(new Rocket.Broker.Metadata.AllConsumerOffsets([]));

        var path = TimerHandoverFile.PathIn(Path.Combine(_slave.Path, "timer"));
        AwaitCondition(() => File.Exists(path), Wait);
        var copied = TimerHandoverFile.Read(path, out var problem)!;
        var after = Progress(master);
        Assert.Null(problem);
        // The wheel's cursor moves with the clock: the copied slot lies between what the master said before and after.
        Assert.Equal((2L, long.MaxValue), (copied.EnqueueOffset, copied.LateFromLogOffset));
        Assert.InRange(copied.DeliveredBeforeMs, before.DeliveredBeforeMs, after.DeliveredBeforeMs);
    }

    [Fact]
    public void A_timer_parked_after_the_promotion_is_never_taken_for_one_the_old_master_delivered()
    {
        // The old master's clock ran a minute ahead: by its progress, everything due before then was delivered.
        TimerHandoverFile.Write(TimerHandoverFile.PathIn(Path.Combine(_slave.Path, "timer")),
            new ReplicaTimerProgress(100, DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds(), long.MaxValue));
        var store = MessageStore.Open(TestMessages.SmallStore(_slave.Path));
        Assert.Null(store.BeginEpoch(1, store.CommitLog.MaxOffset));
        var promoted = StartBroker(store);
        Produce(promoted, Wire("after", "TIMER_DELAY_MS\u0001300\u0002")); // queue offset 0 < 100, due before the master's mark
        AwaitAssert(() => Assert.Equal(["after"], Pull(promoted)), Wait, TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void The_handover_file_goes_once_the_own_checkpoint_holds_the_state_and_a_damaged_one_is_reported_and_ignored()
    {
        var path = TimerHandoverFile.PathIn(Path.Combine(_slave.Path, "timer"));
        TimerHandoverFile.Write(path, new ReplicaTimerProgress(0, 0, long.MaxValue));
        var store = MessageStore.Open(TestMessages.SmallStore(_slave.Path));
        var promoted = StartBroker(store);
        Produce(promoted, Wire("t", "TIMER_DELAY_MS\u0001200\u0002"));
        AwaitAssert(() => Assert.Equal(["t"], Pull(promoted)), Wait, TimeSpan.FromMilliseconds(100));
        AwaitCondition(() => !File.Exists(path), Wait);

        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Null(TimerHandoverFile.Read(path, out var problem));
        Assert.Contains("is damaged (3 bytes)", problem);
    }
}
