using Akka.Actor;
using Akka.Event;
using Rocket.Store.Flush;
using Rocket.Store.Log;
using Rocket.Store.Projection;

namespace Rocket.Store.Journal;

/// <summary>
/// The node's mmap journal: the only writer of the commit log, on its own thread. It appends each batch and applies
/// the flush policy before replying: ASYNC_FLUSH replies at once; SYNC_FLUSH hands the reply to the flush actor,
/// which sends it when the bytes are on disk. Appending continues while a flush is in progress (group commit).
/// </summary>
public sealed class JournalActor : ReceiveActor
{
    private readonly MessageStore _store;
    private readonly IActorRef _flush;
    private readonly IActorRef _projector;
    private readonly bool _syncFlush;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public JournalActor(MessageStore store, IActorRef flush, IActorRef projector)
    {
        _store = store;
        _flush = flush;
        _projector = projector;
        _syncFlush = store.Settings.FlushDiskType == FlushDiskType.SyncFlush;
        Receive<AppendBatch>(OnAppend);
    }

    public static Props Props(MessageStore store, IActorRef flush, IActorRef projector) =>
        Akka.Actor.Props.Create(() => new JournalActor(store, flush, projector)).WithDispatcher(store.Settings.JournalDispatcher);

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
            // Never leave a producer waiting: report the failure for the whole batch.
            _log.Error(e, "Append of batch {0} failed", batch.BatchId);
            Array.Fill(results, AppendResult.Failed(AppendStatus.UnknownError, $"append failed: {e.Message}"));
            Sender.Tell(new BatchAppended(batch.BatchId, results));
            return;
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
}
