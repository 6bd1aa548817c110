using Akka.Actor;
using Rocket.Store.Flush;
using Rocket.Store.Projection;
using Rocket.Store.Replication;
using Rocket.Store.Retention;

namespace Rocket.Store.Journal;

/// <summary>
/// Replication's writes (see ReplicaProtocol). Appends and epochs run here, in order with every other append.
/// Truncation and emptying change the log and the projections together, so they run on the projector's thread while
/// this actor holds (stashes) every other message and retention is held, and continue once the projector reports them
/// done.
/// </summary>
public sealed partial class JournalActor : IWithUnboundedStash
{
    public IStash Stash { get; set; } = null!;

    private IActorRef? _exclusiveRequester;

    private void ReceiveReplication()
    {
        Receive<AppendReplica>(OnAppendReplica);
        Receive<BeginEpoch>(OnBeginEpoch);
        Receive<TruncateLog>(t => RunExclusive(
            () => _store.TruncateLog(t.Offset) is { } error
                ? new TruncateRefused(t.Offset, _store.CommitLog.AppendOffset, error)
                : new LogTruncated(_store.CommitLog.AppendOffset),
            e => new TruncateRefused(t.Offset, _store.CommitLog.AppendOffset,
                $"truncating the log at {t.Offset} failed part-way: {e.Message}; restart the broker, its recovery finishes or undoes the cut")));
        Receive<StartLogAt>(s => RunExclusive(
            () => _store.StartLogAt(s.Offset, s.Queues) is { } error ? new StartLogRefused(s.Offset, error) : new LogStartedAt(s.Offset),
            e => new StartLogRefused(s.Offset, $"emptying the store to start at {s.Offset} failed part-way: {e.Message}")));
    }

    private void OnAppendReplica(AppendReplica append)
    {
        string? error;
        try
        {
            error = _store.AppendReplica(append.StartOffset, append.Bytes.Span);
        }
        catch (Exception e)
        {
            error = $"replica append at offset {append.StartOffset} failed: {e.Message}";
        }
        long end = _store.CommitLog.AppendOffset;
        if (error is not null)
        {
            Sender.Tell(new ReplicaAppendFailed(end, error));
            return;
        }
        var reply = new ReplicaAppended(end);
        if (_syncFlush) // the slave confirms only what is on its disk, as its own producers' writes
        {
            _flush.Tell(new FlushRequest(end, Sender, reply, DateTimeOffset.UtcNow + _store.Settings.SyncFlushTimeout));
            return;
        }
        Sender.Tell(reply);
        _projector.Tell(ProjectorWake.Instance);
    }

    private void OnBeginEpoch(BeginEpoch begin)
    {
        string? error;
        try
        {
            error = _store.BeginEpoch(begin.Epoch, begin.StartOffset);
        }
        catch (Exception e)
        {
            error = $"writing the epoch file failed: {e.Message}";
        }
        Sender.Tell(error is null
            ? new EpochBegun(begin.Epoch, begin.StartOffset, _store.CommitLog.AppendOffset)
            : new EpochRefused(begin.Epoch, begin.StartOffset, _store.CurrentEpoch, error));
    }

    private void RunExclusive(Func<object> work, Func<Exception, object> failed)
    {
        // Retention first finishes any pass under way: a segment deleted in the middle of a truncation could leave
        // a log with a hole. Then the projector runs the work, with no projection pass in between.
        _exclusiveRequester = Sender;
        _retention.Tell(HoldRetention.Instance);
        BecomeStacked(() =>
        {
            Receive<RetentionHeld>(_ => _projector.Tell(new ExclusiveWork(work, failed)));
            Receive<ExclusiveDone>(done =>
            {
                _exclusiveRequester?.Tell(done.Reply);
                _exclusiveRequester = null;
                _retention.Tell(ResumeRetention.Instance);
                UnbecomeStacked();
                Stash.UnstashAll();
            });
            ReceiveAny(_ => Stash.Stash());
        });
    }
}
