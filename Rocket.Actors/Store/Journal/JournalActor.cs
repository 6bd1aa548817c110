using Akka.Actor;
using Akka.Event;
using Rocket.Store.Flush;
using Rocket.Store.Health;
using Rocket.Store.Log;
using Rocket.Store.Projection;

namespace Rocket.Store.Journal;

/// <summary>
/// The node's mmap journal: the only writer of the commit log, on its own thread. It appends each batch and applies
/// the flush policy before replying: ASYNC_FLUSH replies at once; SYNC_FLUSH hands the reply to the flush actor,
/// which sends it when the bytes are on disk. Appending continues while a flush is in progress (group commit).
/// <para>An append that cannot go on (no room for the next segment) fails the messages it did not write and puts the
/// store in the failing state (<see cref="StoreHealth"/>): every later write is refused at once with the reason,
/// while this actor retries the failed step with back-off until it succeeds. It never throws, so it is never stopped.</para>
/// </summary>
public sealed partial class JournalActor : ReceiveActor, IWithTimers
{
    private sealed class RetryJournal { public static readonly RetryJournal Instance = new(); }

    private readonly Backoff _backoff = new();
    private readonly MessageStore _store;
    private readonly IActorRef _flush;
    private readonly IActorRef _projector;
    private readonly IActorRef _retention;
    private readonly bool _syncFlush;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public JournalActor(MessageStore store, IActorRef flush, IActorRef projector, IActorRef retention)
    {
        _store = store;
        _flush = flush;
        _projector = projector;
        _retention = retention;
        _syncFlush = store.Settings.FlushDiskType == FlushDiskType.SyncFlush;
        Receive<AppendBatch>(OnAppend);
        Receive<RetryJournal>(_ => Retry());
        ReceiveReplication();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(MessageStore store, IActorRef flush, IActorRef projector, IActorRef retention) =>
        Akka.Actor.Props.Create(() => new JournalActor(store, flush, projector, retention)).WithDispatcher(store.Settings.JournalDispatcher);

    private void OnAppend(AppendBatch batch)
    {
        var results = new AppendResult[batch.Messages.Length];
        long end;
        try
        {
            end = _store.Append(batch.Messages, results);
        }
        catch (Exception e)
        {
            // Never leave a producer waiting: report the failure for the whole batch, and stop accepting writes
            // until a retry shows the journal works (the log's state after an unexpected error is not trusted).
            if (_store.Health.Fail(StoreComponent.Journal, $"journal: append failed: {e.Message}"))
                _log.Error(e, "Append of batch {0} failed; the store refuses writes until the journal recovers", batch.BatchId);
            Array.Fill(results, AppendResult.Failed(AppendStatus.ServiceNotAvailable, $"append failed: {e.Message}"));
            Sender.Tell(new BatchAppended(batch.BatchId, results));
            ScheduleRetry();
            return;
        }
        if (_store.Health.ProblemOf(StoreComponent.Journal) is { } problem && !Timers.IsTimerActive("retry"))
        {
            _log.Error("The journal stopped appending: {0}; writes are refused and the step is retried with back-off", problem);
            ScheduleRetry();
        }

        var reply = new BatchAppended(batch.BatchId, results);
        if (_syncFlush && Array.Exists(results, r => r.IsOk))
        {
            _flush.Tell(new FlushRequest(end, Sender, reply, DateTimeOffset.UtcNow + _store.Settings.SyncFlushTimeout));
        }
        else
        {
            Sender.Tell(reply);
            _projector.Tell(ProjectorWake.Instance);
        }
    }

    private void ScheduleRetry()
    {
        if (!Timers.IsTimerActive("retry")) Timers.StartSingleTimer("retry", RetryJournal.Instance, _backoff.Next());
    }

    private void Retry()
    {
        if (_store.RetryJournal())
        {
            _log.Warning("The journal appends again after {0} retries; the store accepts writes{1}", _backoff.Attempts,
                _store.Health.Problem is { } other ? $" once this clears too: {other}" : "");
            _backoff.Reset();
            return;
        }
        Timers.StartSingleTimer("retry", RetryJournal.Instance, _backoff.Next());
    }
}
