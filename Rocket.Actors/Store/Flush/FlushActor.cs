using Akka.Actor;
using Akka.Event;
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
/// </summary>
public sealed class FlushActor : ReceiveActor, IWithTimers
{
    private sealed class FlushNow { public static readonly FlushNow Instance = new(); }
    private sealed class AsyncTick { public static readonly AsyncTick Instance = new(); }
    private sealed class ProjectionTick { public static readonly ProjectionTick Instance = new(); }

    private readonly MessageStore _store;
    private readonly IActorRef _projector;
    private readonly Func<long, long> _flushLog;
    private readonly List<FlushRequest> _pending = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
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
    }

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

        var now = DateTimeOffset.UtcNow;
        foreach (var request in _pending)
            request.ReplyTo.Tell(Complete(request, failure, flushed, now));
        if (failure is not null) _log.Error(failure, "Commit-log flush failed; {0} waiting writes were failed", _pending.Count);
        _pending.Clear();
        _projector.Tell(ProjectorWake.Instance);
    }

    private static BatchAppended Complete(FlushRequest request, Exception? failure, long flushed, DateTimeOffset now)
    {
        AppendResult? replacement = null;
        if (failure is not null)
            replacement = AppendResult.Failed(AppendStatus.FlushDiskFailed, $"flush to disk failed: {failure.Message}");
        else if (flushed < request.EndOffset)
            replacement = AppendResult.Failed(AppendStatus.FlushDiskFailed, $"flush reached offset {flushed}, short of {request.EndOffset}");
        else if (now > request.Deadline)
            replacement = AppendResult.Failed(AppendStatus.FlushDiskTimeout, "flush to disk took longer than rocket.store.sync-flush-timeout");
        if (replacement is null) return request.Reply;

        var results = request.Reply.Results;
        var failed = new AppendResult[results.Length];
        for (int i = 0; i < results.Length; i++)
            failed[i] = results[i].IsOk ? results[i] with { Status = replacement.Value.Status, Error = replacement.Value.Error } : results[i];
        return request.Reply with { Results = failed };
    }

    private void OnAsyncTick()
    {
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
            _log.Error(e, "Asynchronous commit-log flush failed; it will be retried");
        }
    }

    private void FlushProjections()
    {
        bool thorough = DateTime.UtcNow - _lastThoroughProjections >= _store.Settings.FlushConsumeQueueThoroughInterval;
        try
        {
            _store.FlushProjections(thorough);
            if (thorough) _lastThoroughProjections = DateTime.UtcNow;
        }
        catch (Exception e) { _log.Error(e, "Flushing consume queues / key index / checkpoint failed; it will be retried"); }
    }
}
