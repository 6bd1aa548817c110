using System.Text;
using Akka.Actor;
using Rocket.Store;
using Rocket.Store.Health;
using Rocket.Store.Log;
using Rocket.Store.Space;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

/// <summary>
/// Issue 8, point 3: a store that cannot do its work (file creation fails, flush fails) refuses writes with the
/// reason, never loses what it acknowledged, reports itself unhealthy and recovers by itself when the cause goes.
/// Faults are injected through the disk probe (file creation) and the flush seam; nothing here needs a small volume.
/// </summary>
public class StoreFaultTests : Akka.TestKit.Xunit2.TestKit
{
    private const string NoSpace = "No space left on device";
    private readonly TempDirectory _dir = new("store-faults");
    private readonly FixedDiskUsageProbe _disk = new(50);

    public StoreFaultTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing); // stops the actors, which shut the store down
        _dir.Dispose();
    }

    private (MessageStore Store, IActorRef Actor) Start(Func<long, long>? flushLog = null, IActorRef? listener = null,
        Func<StoreSettings, StoreSettings>? tweak = null)
    {
        var settings = SmallStore(_dir.Path);
        var store = MessageStore.Open(tweak?.Invoke(settings) ?? settings, _disk);
        return (store, Sys.ActorOf(StoreActor.Props(store, listener, flushLog ?? store.FlushLog), "store"));
    }

    private long _batchId;

    private AppendResult[] Append(IActorRef store, params Rocket.Store.Format.MessageToStore[] messages)
    {
        long id = ++_batchId;
        store.Tell(new AppendBatch(id, messages));
        return ExpectMsg<BatchAppended>(b => b.BatchId == id, TimeSpan.FromSeconds(10)).Results;
    }

    /// <summary>Every message the consume queue of (TopicA, queue) serves, as bodies, in order.</summary>
    private static List<string> Served(MessageStore store, int queueId = 0)
    {
        var bodies = new List<string>();
        long offset = 0;
        while (true)
        {
            var result = store.GetMessages("TopicA", queueId, offset, 1000, int.MaxValue);
            if (result.Messages.Count == 0) return bodies;
            bodies.AddRange(result.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
            offset = result.NextBeginOffset;
        }
    }

    [Fact]
    public void A_segment_that_cannot_be_created_refuses_sends_with_the_cause_and_the_journal_recovers_by_itself()
    {
        var (store, actor) = Start();
        var body = new string('x', 4000);
        Append(actor, Message(body: "first")); // the first segment exists, the next one is prepared in the background
        AwaitCondition(() => Directory.GetFiles(store.Settings.CommitLogDirectory).Length == 2 && Served(store).Count == 1);
        _disk.CreateFault = path => path.StartsWith(store.Settings.CommitLogDirectory, StringComparison.Ordinal) ? NoSpace : null;

        // Fill the two segments that exist; the roll to a third fails.
        var acknowledged = new List<string> { "first" };
        AppendResult refused = default;
        for (int i = 0; i < 100 && refused.Status == AppendStatus.Ok; i++)
        {
            var result = Append(actor, Message(body: $"{i}:{body}"))[0];
            if (result.IsOk) acknowledged.Add($"{i}:{body}");
            else refused = result;
        }
        Assert.Equal(AppendStatus.ServiceNotAvailable, refused.Status);
        Assert.Contains(NoSpace, refused.Error);
        Assert.Contains("cannot write", refused.Error);
        Assert.Contains("not accepting messages", refused.Error);
        Assert.StartsWith("journal:", store.Health.ProblemOf(StoreComponent.Journal));

        // While failing, every send is refused at once with the reason, and nothing is half-written.
        long end = store.CommitLog.MaxOffset;
        var again = Append(actor, Message(body: "refused"))[0];
        Assert.Equal(AppendStatus.ServiceNotAvailable, again.Status);
        Assert.Contains(NoSpace, again.Error);
        Assert.Equal(end, store.CommitLog.MaxOffset);

        // The cause goes: the journal's retry creates the segment, sends succeed, nothing acknowledged was lost.
        _disk.CreateFault = null;
        AwaitCondition(() => store.Health.IsHealthy, TimeSpan.FromSeconds(15));
        Assert.True(Append(actor, Message(body: "after"))[0].IsOk);
        acknowledged.Add("after");
        AwaitAssert(() => Assert.Equal(acknowledged, Served(store)), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_commit_log_write_that_fails_refuses_sends_with_the_cause_and_the_queue_continues_without_a_gap()
    {
        var (store, actor) = Start();
        Assert.True(Append(actor, Message(body: "first"))[0].IsOk);
        var segment = store.CommitLog.Segments.Last!;
        segment.FailWritesForTest(new IOException("Input/output error"));

        var refused = Append(actor, Message(body: "refused"), Message(body: "refused too"));
        Assert.All(refused, r =>
        {
            Assert.Equal(AppendStatus.ServiceNotAvailable, r.Status);
            Assert.Contains("Input/output error", r.Error);
            Assert.Contains(segment.FilePath, r.Error);
        });
        Assert.StartsWith("journal:", store.Health.ProblemOf(StoreComponent.Journal));

        // The disk works again: the journal's retry clears the problem and the queue goes on at the next offset.
        segment.FailWritesForTest(null);
        AwaitCondition(() => store.Health.IsHealthy, TimeSpan.FromSeconds(15));
        var after = Append(actor, Message(body: "after"))[0];
        Assert.True(after.IsOk);
        Assert.Equal(1, after.QueueOffset);
        AwaitAssert(() => Assert.Equal(["first", "after"], Served(store)), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_projection_step_that_fails_stops_acknowledging_keeps_what_was_acknowledged_and_catches_up()
    {
        var listener = CreateTestProbe();
        var (store, actor) = Start(listener: listener.Ref);
        // The key index cannot create its file (as with a 420 MB index file on a small volume); everything else can.
        _disk.CreateFault = path => path.StartsWith(store.Settings.IndexDirectory, StringComparison.Ordinal) ? NoSpace : null;

        Assert.All(Append(actor, Message(body: "plain"), Message(body: "keyed", keys: "order-1"), Message(body: "tail")), r => Assert.True(r.IsOk));
        AwaitCondition(() => store.Health.ProblemOf(StoreComponent.Projection) is not null, TimeSpan.FromSeconds(10));
        Assert.Contains(NoSpace, store.Health.Problem);
        Assert.Equal(["plain", "keyed"], Served(store)); // projected up to the record whose index entry failed, not beyond

        var refused = Append(actor, Message(body: "refused"))[0];
        Assert.Equal(AppendStatus.ServiceNotAvailable, refused.Status);
        Assert.Contains("projection", refused.Error);
        Assert.Contains(NoSpace, refused.Error);

        _disk.CreateFault = null;
        AwaitCondition(() => store.Health.IsHealthy, TimeSpan.FromSeconds(15));
        Assert.Equal(["plain", "keyed", "tail"], Served(store));
        Assert.Single(store.QueryMessagesByKey("TopicA", "order-1", 10, 0, long.MaxValue));
        // Long polls hear about every acknowledged message, also the one projected by the retry.
        listener.FishForMessage<MessagesArrived>(m => m.Queues.Any(q => q.QueueId == 0 && q.MaxOffset == 3), TimeSpan.FromSeconds(10));
        Assert.True(Append(actor, Message(body: "after"))[0].IsOk);
        AwaitAssert(() => Assert.Equal(["plain", "keyed", "tail", "after"], Served(store)), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_consume_queue_file_that_cannot_be_created_fails_projection_until_it_can()
    {
        var (store, actor) = Start();
        _disk.CreateFault = path => path.StartsWith(store.Settings.ConsumeQueueDirectory, StringComparison.Ordinal) ? NoSpace : null;
        Assert.True(Append(actor, Message(queueId: 3, body: "q3"))[0].IsOk);
        AwaitCondition(() => store.Health.ProblemOf(StoreComponent.Projection) is not null, TimeSpan.FromSeconds(10));
        _disk.CreateFault = null;
        AwaitCondition(() => store.Health.IsHealthy, TimeSpan.FromSeconds(15));
        Assert.Equal(["q3"], Served(store, queueId: 3));
    }

    [Fact]
    public void A_failing_flush_stops_acknowledging_and_recovers_when_the_disk_works_again()
    {
        bool fail = false;
        MessageStore? opened = null;
        var (store, actor) = Start(upTo => Volatile.Read(ref fail) ? throw new IOException("EIO: simulated disk error") : opened!.FlushLog(upTo),
            tweak: s => s with { FlushLeastPages = 0, FlushThoroughInterval = TimeSpan.FromMilliseconds(50) });
        opened = store;
        Volatile.Write(ref fail, true);
        Assert.True(Append(actor, Message(body: "acknowledged"))[0].IsOk); // ASYNC_FLUSH acknowledges before the flush

        AwaitCondition(() => store.Health.ProblemOf(StoreComponent.Flush) is not null, TimeSpan.FromSeconds(10));
        var refused = Append(actor, Message(body: "refused"))[0];
        Assert.Equal(AppendStatus.ServiceNotAvailable, refused.Status);
        Assert.Contains("simulated disk error", refused.Error);

        Volatile.Write(ref fail, false);
        AwaitCondition(() => store.Health.IsHealthy, TimeSpan.FromSeconds(15));
        Assert.Equal(store.CommitLog.MaxOffset, store.CommitLog.FlushedOffset);
        Assert.True(Append(actor, Message(body: "after"))[0].IsOk);
        AwaitAssert(() => Assert.Equal(["acknowledged", "after"], Served(store)), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Stopping_while_projection_fails_still_shuts_down_cleanly_and_the_next_start_rebuilds_the_rest()
    {
        var (store, actor) = Start();
        _disk.CreateFault = path => path.StartsWith(store.Settings.IndexDirectory, StringComparison.Ordinal) ? NoSpace : null;
        Assert.True(Append(actor, Message(body: "plain"), Message(body: "keyed", keys: "k1"), Message(body: "more"))[0].IsOk);
        AwaitCondition(() => store.Health.ProblemOf(StoreComponent.Projection) is not null, TimeSpan.FromSeconds(10));

        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
        Assert.False(File.Exists(store.Settings.AbortPath)); // the log was flushed: a clean stop, not a crash

        _disk.CreateFault = null;
        using var reopened = MessageStore.Open(store.Settings, _disk);
        Assert.Equal(["plain", "keyed", "more"], Served(reopened));
        Assert.Single(reopened.QueryMessagesByKey("TopicA", "k1", 10, 0, long.MaxValue));
    }

    [Fact]
    public void The_disk_full_guard_refuses_a_new_file_that_would_pass_the_warning_level()
    {
        var volume = new SmallVolume(total: 64L << 20, used: 50L << 20);
        var guard = new Rocket.Store.Space.StoreSpaceGuard(_dir.Path, 90, volume);
        guard.BeforeCreate(Path.Combine(_dir.Path, "small"), 4L << 20); // 84.4 %: allowed
        var e = Assert.Throws<Rocket.Store.Space.StoreFullException>(() => guard.BeforeCreate(Path.Combine(_dir.Path, "big"), 8L << 20));
        Assert.Contains("disk full", e.Message);
        Assert.Contains(Path.Combine(_dir.Path, "big"), e.Message);
        Assert.Contains("rocket.store.disk-space-warning-level-ratio = 90%", e.Message);
    }

    [Fact]
    public void A_volume_too_small_for_the_key_index_file_refuses_to_open_naming_the_settings()
    {
        var volume = new SmallVolume(total: 64L << 20, used: 0);
        var settings = new StoreSettings { Directory = _dir.Path, CommitLogSegmentSize = 8 << 20 }; // default index: 420 MB files
        var e = Assert.Throws<StoreException>(() => MessageStore.Open(settings, volume));
        Assert.Contains("rocket.store.max-index-num", e.Message);
        Assert.Contains("rocket.store.max-hash-slot-num", e.Message);
        Assert.Contains("400.5 MiB key-index file", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*", SearchOption.AllDirectories)); // refused before creating anything

        // Index files sized for the volume (or no index) open fine.
        using (MessageStore.Open(settings with { MaxHashSlotNum = 100_000, MaxIndexNum = 400_000 }, volume)) { }
        using (MessageStore.Open(settings with { MessageIndexEnable = false }, volume)) { }
    }

    /// <summary>A fixed-size volume with a given usage.</summary>
    private sealed class SmallVolume(long total, long used) : IDiskUsageProbe
    {
        public DiskSpace Measure(string path) => new(total, total - used);
    }
}
