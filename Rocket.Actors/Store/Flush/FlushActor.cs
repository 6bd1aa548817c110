using Akka.Actor;
using Akka.Event;
using Rocket.Store.Health;
using Rocket.Store.Log;
using Rocket.Store.Projection;

namespace Rocket.Store.Flush;

/// <summary>
/// Makes the log durable. The one actor allowed to block (msync), so it runs on its own dedicated thread.
/// <para>SYNC_FLUSH (group commit): requests queue in the mailbox while a flush runs; the next flush covers all of
/// them with one msync and answers each. A failed flush fails every waiting write; it never reports success.</para>
/// <para>ASYNC_FLUSH: every flush-interval-commit-log, flush if at least flush-commit-log-least-pages are dirty, and
/// fully at least every flush-commit-log-thorough-interval.</para>
/// Either way it flushes consume queues and the key index and writes the checkpoint periodically.
/// <para>Any failed flush puts the store in the failing state (writes are refused, see <see cref="StoreHealth"/>) and
/// is retried with back-off, everything at once (log, projections, checkpoint), until it succeeds; the regular
/// ticks pause meanwhile. The failure is logged once, and the recovery once.</para>
/// </summary>
public sealed class FlushActor : ReceiveActor, IWithTimers
{
    private sealed class FlushNow { public static readonly FlushNow Instance = new(); }
    private sealed class AsyncTick { public static readonly AsyncTick Instance = new(); }
    private sealed class ProjectionTick { public static readonly ProjectionTick Instance = new(); }
    private sealed class RetryFlush { public static readonly RetryFlush Instance = new(); }

    private readonly MessageStore _store;
    private readonly IActorRef _projector;
    private readonly Func<long, long> _flushLog;
    private readonly List<FlushRequest> _pending = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Backoff _backoff = new();
    private bool _flushQueued;
    private DateTime _lastThorough = DateTime.UtcNow;
    private DateTime _lastThoroughProjections = DateTime.UtcNow;

    public FlushActor(MessageStore store, IActorRef projector, Func<long, long>? flushLog)
    {
        _store = store;
        _projector = projector;
        _flushLog = flushLog ?? store.FlushLog;
        Receive<FlushRequest>(OnRequest);
        Receive<FlushNow>(_ => FlushPending());
        Receive<AsyncTick>(_ => OnAsyncTick());
        Receive<ProjectionTick>(_ => FlushProjections());
        Receive<RetryFlush>(_ => Retry());
    }

    private bool Failing => _store.Health.ProblemOf(StoreComponent.Flush) is not null;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="flushLog">Replaces the log flush (tests inject failures); defaults to <see cref="MessageStore.FlushLog"/>.</param>
    public static Props Props(MessageStore store, IActorRef projector, Func<long, long>? flushLog = null) =>
        Akka.Actor.Props.Create(() => new FlushActor(store, projector, flushLog)).WithDispatcher(store.Settings.FlushDispatcher);

    protected override void PreStart()
    {
        var settings = _store.Settings;
        if (settings.FlushDiskType == FlushDiskType.AsyncFlush)
            Timers.StartPeriodicTimer("async-flush", AsyncTick.Instance, settings.FlushInterval);
        Timers.StartPeriodicTimer("projections", ProjectionTick.Instance, settings.FlushConsumeQueueInterval);
    }

    private void OnRequest(FlushRequest request)
    {
        _pending.Add(request);
        if (_flushQueued) return;
        // Queued behind every request already in the mailbox, so one flush serves them all.
        _flushQueued = true;
        Self.Tell(FlushNow.Instance);
    }

    private void FlushPending()
    {
        _flushQueued = false;
        if (_pending.Count == 0) return;
        long target = 0;
        foreach (var r in _pending) target = Math.Max(target, r.EndOffset);

        Exception? failure = null;
        long flushed = 0;
        try { flushed = _flushLog(target); }
        catch (Exception e) { failure = e; }

        // Mark the store failing before answering: a writer that hears of the failure and writes again must find
        // its next write refused, not appended behind a flush already known to fail.
        if (failure is not null)
            Failed(failure, $"commit-log flush failed: {failure.Message}; {_pending.Count} waiting writes were failed");
        else if (flushed < target)
            Failed(null, $"commit-log flush reached offset {flushed}, short of {target}");
        var now = DateTimeOffset.UtcNow;
        foreach (var request in _pending)
            request.ReplyTo.Tell(Complete(request, failure, flushed, now));
        _pending.Clear();
        _projector.Tell(ProjectorWake.Instance);
    }

    private static object Complete(FlushRequest request, Exception? failure, long flushed, DateTimeOffset now)
    {
        AppendResult? replacement = null;
        if (failure is not null)
            replacement = AppendResult.Failed(AppendStatus.FlushDiskFailed, $"flush to disk failed: {failure.Message}");
        else if (flushed < request.EndOffset)
            replacement = AppendResult.Failed(AppendStatus.FlushDiskFailed, $"flush reached offset {flushed}, short of {request.EndOffset}");
        else if (now > request.Deadline)
            replacement = AppendResult.Failed(AppendStatus.FlushDiskTimeout, "flush to disk took longer than rocket.store.sync-flush-timeout");
        if (replacement is null) return request.Reply;
        if (request.Reply is Replication.ReplicaAppended replica) // written, but not known to be on disk: not confirmed
            return new Replication.ReplicaAppendFailed(replica.MaxOffset, $"replica bytes up to {request.EndOffset}: {replacement.Value.Error}");

        var batch = (BatchAppended)request.Reply;
        var results = batch.Results;
        var failed = new AppendResult[results.Length];
        for (int i = 0; i < results.Length; i++)
            failed[i] = results[i].IsOk ? results[i] with { Status = replacement.Value.Status, Error = replacement.Value.Error } : results[i];
        return batch with { Results = failed };
    }

    private void OnAsyncTick()
    {
        if (Failing) return; // the retry loop flushes
        var log = _store.CommitLog;
        long dirty = log.MaxOffset - log.FlushedOffset;
        if (dirty <= 0) return;
        bool thorough = DateTime.UtcNow - _lastThorough >= _store.Settings.FlushThoroughInterval;
        if (!thorough && dirty < (long)_store.Settings.FlushLeastPages * Environment.SystemPageSize) return;
        // Between thorough flushes, stop at the last whole page: writing back the page the journal is still filling
        // would make its next write wait for that I/O (the kernel keeps pages under writeback stable), a multi-ms
        // stall on the write path every flush interval.
        long upTo = thorough ? log.MaxOffset : log.MaxOffset - log.MaxOffset % Environment.SystemPageSize;
        if (upTo <= log.FlushedOffset) return;
        try
        {
            _flushLog(upTo);
            if (thorough) _lastThorough = DateTime.UtcNow;
        }
        catch (Exception e)
        {
            Failed(e, $"asynchronous commit-log flush failed: {e.Message}");
        }
    }

    private void FlushProjections()
    {
        if (Failing) return; // the retry loop flushes
        bool thorough = DateTime.UtcNow - _lastThoroughProjections >= _store.Settings.FlushConsumeQueueThoroughInterval;
        try
        {
            _store.FlushProjections(thorough);
            if (thorough) _lastThoroughProjections = DateTime.UtcNow;
            _store.ReleaseColdPages(); // after the flush: pages leave the process once written back, not while dirty
        }
        catch (Exception e) { Failed(e, $"flushing consume queues, key index or checkpoint failed: {e.Message}"); }
    }

    /// <summary>Marks the store failing (logged once per change) and schedules the retry.</summary>
    private void Failed(Exception? error, string problem)
    {
        if (_store.Health.Fail(StoreComponent.Flush, "flush: " + problem))
        {
            const string what = "Store flush failed: {0}; writes are refused and the flush is retried with back-off";
            if (error is null) _log.Error(what, problem);
            else _log.Error(error, what, problem);
        }
        if (!Timers.IsTimerActive("retry")) Timers.StartSingleTimer("retry", RetryFlush.Instance, _backoff.Next());
    }

    private void Retry()
    {
        var log = _store.CommitLog;
        try
        {
            long target = log.MaxOffset;
            long flushed = _flushLog(target);
            if (flushed < target) throw new StoreException($"commit-log flush reached offset {flushed}, short of {target}");
            _store.FlushProjections(thorough: true);
        }
        catch (Exception e)
        {
            _store.Health.Fail(StoreComponent.Flush, $"flush: {e.Message}");
            Timers.StartSingleTimer("retry", RetryFlush.Instance, _backoff.Next());
            return;
        }
        _lastThorough = _lastThoroughProjections = DateTime.UtcNow;
        _store.Health.Clear(StoreComponent.Flush);
        _log.Warning("Store flush works again after {0} retries (log, consume queues, key index and checkpoint on disk)", _backoff.Attempts);
        _backoff.Reset();
        _projector.Tell(ProjectorWake.Instance);
    }
}
