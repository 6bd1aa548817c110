using Akka.Actor;
using Akka.Event;

namespace Rocket.Store.Projection;

/// <summary>
/// Builds the projections (consume queues, key index) from the log tail and tells its listener which queues got
/// messages, so held long polls wake at once. It is the single writer of the projections, so retention, which trims
/// them, runs here too.
/// </summary>
public sealed class ProjectorActor : ReceiveActor, IWithTimers
{
    private sealed class RetentionTick { public static readonly RetentionTick Instance = new(); }

    private readonly MessageStore _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef? _listener;
    private readonly List<(long Offset, IActorRef ReplyTo)> _awaiting = new();

    public ProjectorActor(MessageStore store, IActorRef? listener)
    {
        _store = store;
        _listener = listener;
        Receive<ProjectorWake>(_ => ProjectNow());
        Receive<RetentionTick>(_ => RunRetention());
        Receive<RunRetentionNow>(_ => Sender.Tell(RunRetention()));
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
        Timers.StartPeriodicTimer("retention", RetentionTick.Instance, _store.Settings.CleanResourceInterval);
        // A safety net: a lost wake-up never leaves consumers waiting for more than this.
        Timers.StartPeriodicTimer("projection", ProjectorWake.Instance, TimeSpan.FromMilliseconds(200));
    }

    private void ProjectNow()
    {
        var arrivals = _store.Project(_store.ProjectionLimit);
        if (arrivals.Count > 0) _listener?.Tell(new MessagesArrived(arrivals));
        if (_awaiting.Count > 0) AnswerAwaiting();
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

    private Retention.RetentionReport RunRetention()
    {
        ProjectNow();
        var report = _store.RunRetention();
        if (report.CommitLogSegmentsDeleted > 0)
            _log.Info("Retention deleted {0} commit-log segments, {1} consume-queue files, {2} index files; disk {3:F1}% used",
                report.CommitLogSegmentsDeleted, report.ConsumeQueueFilesDeleted, report.IndexFilesDeleted, report.DiskUsedPercent);
        return report;
    }
}
