using Akka.Actor;
using Akka.TestKit;
using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Store.Log;
using Rocket.Store.Retention;
using Rocket.Store.Space;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

public class JournalActorTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TempDirectory _dir = new("journal");

    public JournalActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing); // stops the actors, which shut the store down
        _dir.Dispose();
    }

    private (MessageStore Store, IActorRef Actor) Start(FlushDiskType flush, Func<long, long>? flushLog = null,
        IActorRef? listener = null, Func<StoreSettings, StoreSettings>? tweak = null)
    {
        var settings = SmallStore(_dir.Path, flush: flush);
        var store = MessageStore.Open(tweak?.Invoke(settings) ?? settings);
        var actor = Sys.ActorOf(StoreActor.Props(store, listener, flushLog ?? store.FlushLog), "store");
        return (store, actor);
    }

    [Fact]
    public void Async_flush_answers_each_batch_with_per_message_results_and_announces_arrivals()
    {
        var listener = CreateTestProbe();
        var (_, store) = Start(FlushDiskType.AsyncFlush, listener: listener.Ref);
        store.Tell(new AppendBatch(1, [Message(queueId: 0), Message(queueId: 1), Message(topic: "bad topic"), Message(queueId: 0)]));

        var reply = ExpectMsg<BatchAppended>();
        Assert.Equal(1, reply.BatchId);
        Assert.Equal([AppendStatus.Ok, AppendStatus.Ok, AppendStatus.MessageIllegal, AppendStatus.Ok], reply.Results.Select(r => r.Status));
        Assert.Equal([0L, 0L, -1L, 1L], reply.Results.Select(r => r.QueueOffset));
        Assert.All(reply.Results.Where(r => r.IsOk), r => Assert.True(r.StoreTimestamp > 0));

        // The projector builds the consume queues and tells the listener which queues moved.
        var seen = new Dictionary<int, long>();
        listener.FishForMessage<MessagesArrived>(m =>
        {
            foreach (var q in m.Queues) seen[q.QueueId] = q.MaxOffset;
            return seen.GetValueOrDefault(0) == 2 && seen.GetValueOrDefault(1) == 1;
        });
    }

    [Fact]
    public void Sync_flush_replies_only_after_the_flush_and_one_flush_serves_every_waiting_batch()
    {
        using var gate = new ManualResetEventSlim(false);
        int flushes = 0;
        MessageStore? opened = null;
        long Flush(long upTo)
        {
            Interlocked.Increment(ref flushes);
            gate.Wait(TimeSpan.FromSeconds(30)); // the first flush is held until every batch is queued behind it
            return opened!.FlushLog(upTo);
        }
        var (s, store) = Start(FlushDiskType.SyncFlush, Flush);
        opened = s;

        var writers = Enumerable.Range(0, 50).Select(_ => CreateTestProbe()).ToArray();
        for (int i = 0; i < writers.Length; i++) store.Tell(new AppendBatch(i, [Message(body: $"m{i}")]), writers[i].Ref);

        AwaitCondition(() => s.NextQueueOffset("TopicA", 0) == 50 && Volatile.Read(ref flushes) == 1);
        writers[0].ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // nothing is acknowledged before its flush
        gate.Set();

        foreach (var w in writers) Assert.All(w.ExpectMsg<BatchAppended>().Results, r => Assert.Equal(AppendStatus.Ok, r.Status));
        // Group commit: the held flush serves the batches queued before it ran, one more flush serves all the rest.
        Assert.InRange(Volatile.Read(ref flushes), 1, 3);
        Assert.True(s.CommitLog.FlushedOffset >= s.CommitLog.MaxOffset);
    }

    [Fact]
    public void A_failed_flush_fails_the_waiting_writes_and_never_reports_success()
    {
        bool fail = true;
        MessageStore? opened = null;
        var (s, store) = Start(FlushDiskType.SyncFlush,
            upTo => Volatile.Read(ref fail) ? throw new IOException("EIO: simulated disk error") : opened!.FlushLog(upTo));
        opened = s;

        store.Tell(new AppendBatch(1, [Message(), Message(topic: "bad topic")]));
        var failed = ExpectMsg<BatchAppended>();
        Assert.Equal(AppendStatus.FlushDiskFailed, failed.Results[0].Status);
        Assert.Contains("simulated disk error", failed.Results[0].Error);
        Assert.Equal(AppendStatus.MessageIllegal, failed.Results[1].Status); // its own error is kept

        // While the flush fails the store refuses writes (nothing it cannot make durable is acknowledged)...
        store.Tell(new AppendBatch(2, [Message()]));
        var refused = ExpectMsg<BatchAppended>().Results[0];
        Assert.Equal(AppendStatus.ServiceNotAvailable, refused.Status);
        Assert.Contains("simulated disk error", refused.Error);

        // ...and accepts them again once its retry finds the disk working.
        Volatile.Write(ref fail, false);
        AwaitCondition(() => s.Health.IsHealthy, TimeSpan.FromSeconds(15));
        store.Tell(new AppendBatch(3, [Message()]));
        Assert.Equal(AppendStatus.Ok, ExpectMsg<BatchAppended>().Results[0].Status);
    }

    [Fact]
    public void A_flush_that_falls_short_is_a_failure()
    {
        var (_, store) = Start(FlushDiskType.SyncFlush, _ => 0);
        store.Tell(new AppendBatch(1, [Message()]));
        var reply = ExpectMsg<BatchAppended>();
        Assert.Equal(AppendStatus.FlushDiskFailed, reply.Results[0].Status);
        Assert.Contains("short of", reply.Results[0].Error);
    }

    [Fact]
    public void A_flush_slower_than_the_sync_flush_timeout_reports_a_timeout()
    {
        MessageStore? opened = null;
        var (s, store) = Start(FlushDiskType.SyncFlush, upTo =>
        {
            Thread.Sleep(50); // a slow disk
            return opened!.FlushLog(upTo);
        }, tweak: x => x with { SyncFlushTimeout = TimeSpan.FromMilliseconds(1) });
        opened = s;
        store.Tell(new AppendBatch(1, [Message()]));
        Assert.Equal(AppendStatus.FlushDiskTimeout, ExpectMsg<BatchAppended>().Results[0].Status);
    }

    [Fact]
    public void Async_flush_writes_the_log_to_disk_on_its_timer()
    {
        // Regular ticks stop at the last whole page; the thorough flush (here every 100 ms) takes the partial page too.
        var (s, store) = Start(FlushDiskType.AsyncFlush, tweak: x => x with { FlushLeastPages = 0, FlushThoroughInterval = TimeSpan.FromMilliseconds(100) });
        store.Tell(new AppendBatch(1, [Message(body: new string('x', 3 * Environment.SystemPageSize))]));
        ExpectMsg<BatchAppended>();
        AwaitCondition(() => s.CommitLog.FlushedOffset == s.CommitLog.MaxOffset);
    }

    [Fact]
    public void Retention_can_be_run_on_demand_and_reports_disk_full()
    {
        var probe = new FixedDiskUsageProbe(95);
        var settings = SmallStore(_dir.Path);
        var s = MessageStore.Open(settings, probe);
        var store = Sys.ActorOf(StoreActor.Props(s), "store");
        store.Tell(RunRetentionNow.Instance);
        Assert.True(ExpectMsg<RetentionReport>().DiskFull);
        store.Tell(new AppendBatch(1, [Message()]));
        Assert.Contains("disk full", ExpectMsg<BatchAppended>().Results[0].Error);
    }

    [Fact]
    public void Stopping_the_store_actor_shuts_the_store_down_cleanly()
    {
        var (s, store) = Start(FlushDiskType.AsyncFlush);
        store.Tell(new AppendBatch(1, [Message()]));
        ExpectMsg<BatchAppended>();
        Watch(store);
        Sys.Stop(store);
        ExpectTerminated(store);
        AwaitCondition(() => !File.Exists(s.Settings.AbortPath));

        using var reopened = MessageStore.Open(s.Settings);
        Assert.False(reopened.Recovery.Abnormal);
        Assert.Equal(1, reopened.GetMaxOffset("TopicA", 0));
    }
}
