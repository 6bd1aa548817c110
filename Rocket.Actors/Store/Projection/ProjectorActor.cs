using Akka.Actor;
using Akka.Event;
using Rocket.Store.Health;

namespace Rocket.Store.Projection;

/// <summary>
/// Builds the projections (consume queues, key index) from the log tail and tells its listener which queues got
/// messages, so held long polls wake at once. It is the single writer of the projections, so retention's trimming of
/// them runs here too, while the slow part, deleting the files, runs on the retention actor's thread
/// (<see cref="Retention.RetentionActor"/>): held long polls do not wait for an unlink.
/// <para>A pass that fails (e.g. the next consume-queue or index file cannot be created) keeps what it built, puts
/// the store in the failing state (writes are refused: a message that cannot be consumed must not be acknowledged)
/// and is retried with back-off; wake-ups in between are ignored. Retention keeps running, since it may be what
/// frees the space. Nothing here throws, so the actor is never stopped by a store error.</para>
/// </summary>
public sealed class ProjectorActor : ReceiveActor, IWithTimers
{
    private sealed class RetryProjection { public static readonly RetryProjection Instance = new(); }

    private readonly MessageStore _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef? _listener;
    private readonly List<(long Offset, IActorRef ReplyTo)> _awaiting = new();
    private readonly Backoff _backoff = new();
    private bool _failing;

    public ProjectorActor(MessageStore store, IActorRef? listener)
    {
        _store = store;
        _listener = listener;
        Receive<ProjectorWake>(_ => { if (!_failing) ProjectNow(); });
        Receive<RetryProjection>(_ => ProjectNow());
        Receive<DetachExpiredProjectionFiles>(_ => Sender.Tell(DetachExpiredFiles()));
        Receive<ExclusiveWork>(work =>
        {
            object reply;
            try { reply = work.Work(); }
            catch (Exception e) { reply = work.Failed(e); }
            Sender.Tell(new ExclusiveDone(reply));
        });
        Receive<AwaitProjection>(a =>
        {
            _awaiting.Add((a.Offset, Sender));
            ProjectNow();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(MessageStore store, IActorRef? listener = null) =>
        Akka.Actor.Props.Create(() => new ProjectorActor(store, listener)).WithDispatcher(store.Settings.ProjectorDispatcher);

    protected override void PreStart()
    {
        // A safety net: a lost wake-up never leaves consumers waiting for more than this.
        Timers.StartPeriodicTimer("projection", ProjectorWake.Instance, TimeSpan.FromMilliseconds(200));
    }

    private void ProjectNow()
    {
        IReadOnlyList<QueueArrival> arrivals;
        try
        {
            arrivals = _store.Project(_store.ProjectionLimit);
        }
        catch (Exception e)
        {
            Failed(e);
            return;
        }
        if (_failing) Recovered();
        if (arrivals.Count > 0) _listener?.Tell(new MessagesArrived(arrivals));
        if (_awaiting.Count > 0) AnswerAwaiting();
    }

    private void Failed(Exception e)
    {
        string problem = $"projection: consume queues / key index stopped at log offset {_store.ProjectedOffset} " +
                         $"(log end {_store.CommitLog.MaxOffset}): {e.Message}";
        if (_store.Health.Fail(StoreComponent.Projection, problem))
            _log.Error(e, "Store projection failed: {0}; writes are refused and projection is retried with back-off", problem);
        _failing = true;
        Timers.StartSingleTimer("retry", RetryProjection.Instance, _backoff.Next());
    }

    private void Recovered()
    {
        _failing = false;
        _store.Health.Clear(StoreComponent.Projection);
        _log.Warning("Store projection works again after {0} retries; consume queues and key index reach log offset {1}",
            _backoff.Attempts, _store.ProjectedOffset);
        _backoff.Reset();
        Timers.Cancel("retry");
    }

    private void AnswerAwaiting()
    {
        long projected = _store.ProjectedOffset;
        for (int i = _awaiting.Count - 1; i >= 0; i--)
        {
            var (offset, replyTo) = _awaiting[i];
            if (offset >= projected) continue;
            replyTo.Tell(new ProjectedPast(offset));
            _awaiting.RemoveAt(i);
        }
    }

    private ExpiredProjectionFiles DetachExpiredFiles()
    {
        var expired = new ExpiredProjectionFiles();
        try
        {
            _store.DetachExpiredProjectionFiles(expired);
        }
        catch (Exception e)
        {
            // What was taken out before the failure is still handed over for deletion; retention asks again next pass.
            _log.Error(e, "Retention could not take expired files out of the consume queues and key index: {0}; " +
                          "its next pass tries again", e.Message);
            expired.Error = e.Message;
        }
        return expired;
    }
}
