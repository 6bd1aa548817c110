using Akka.Actor;
using Akka.Event;
using Rocket.Store.Projection;

namespace Rocket.Store.Retention;

/// <summary>
/// Runs retention every clean-resource-interval (and on <see cref="RunRetentionNow"/>) on a thread of its own:
/// deleting files is slow (unlinking a 1 GiB segment whose pages are cached took 0.2 s here) and must stall neither
/// projection (and with it the consumers' long polls) nor a thread-pool thread. It deletes expired commit-log
/// segments, then asks the projector, the projections' single writer, to take the expired consume-queue and key-index
/// files out of them, and deletes those too. It answers the journal's <see cref="HoldRetention"/> between passes.
/// Nothing here throws: a failed pass is logged and the next tick runs another.
/// </summary>
public sealed class RetentionActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private sealed class RetentionTick { public static readonly RetentionTick Instance = new(); }

    private readonly MessageStore _store;
    private readonly IActorRef _projector;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _detachDue; // a pass failed part-way: the projections may hold expired files, ask the projector again

    public RetentionActor(MessageStore store, IActorRef projector)
    {
        _store = store;
        _projector = projector;
        Idle();
    }

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    public static Props Props(MessageStore store, IActorRef projector) =>
        Akka.Actor.Props.Create(() => new RetentionActor(store, projector)).WithDispatcher(store.Settings.RetentionDispatcher);

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("retention", RetentionTick.Instance, _store.Settings.CleanResourceInterval);

    private void Idle()
    {
        Receive<RetentionTick>(_ => StartPass(replyTo: null));
        Receive<RunRetentionNow>(_ => StartPass(Sender));
        Receive<HoldRetention>(_ =>
        {
            Sender.Tell(RetentionHeld.Instance);
            Become(Held);
        });
    }

    private void Held()
    {
        Receive<ResumeRetention>(_ =>
        {
            Become(Idle);
            Stash.UnstashAll();
        });
        Receive<RetentionTick>(_ => { }); // the next tick runs the pass this one would have
        ReceiveAny(_ => Stash.Stash());
    }

    private void StartPass(IActorRef? replyTo)
    {
        CommitLogRetention segments;
        try
        {
            segments = _store.DeleteExpiredSegments();
        }
        catch (Exception e)
        {
            _detachDue = true; // some segments may have gone
            replyTo?.Tell(Failed(e));
            return;
        }
        if (segments.Deleted == 0 && !_detachDue)
        {
            Finish(replyTo, segments, new ExpiredProjectionFiles());
            return;
        }
        _projector.Tell(DetachExpiredProjectionFiles.Instance);
        Become(() =>
        {
            Receive<ExpiredProjectionFiles>(expired =>
            {
                _detachDue = expired.Error is not null;
                Become(Idle);
                Stash.UnstashAll();
                Finish(replyTo, segments, expired);
            });
            Receive<RetentionTick>(_ => { });
            ReceiveAny(_ => Stash.Stash());
        });
    }

    private void Finish(IActorRef? replyTo, CommitLogRetention segments, ExpiredProjectionFiles expired)
    {
        RetentionReport report;
        try
        {
            report = _store.FinishRetention(segments, expired);
        }
        catch (Exception e)
        {
            replyTo?.Tell(Failed(e));
            return;
        }
        if (report.CommitLogSegmentsDeleted + report.ConsumeQueueFilesDeleted + report.IndexFilesDeleted > 0)
            _log.Info("Retention deleted {0} commit-log segments, {1} consume-queue files, {2} index files; disk {3:F1}% used",
                report.CommitLogSegmentsDeleted, report.ConsumeQueueFilesDeleted, report.IndexFilesDeleted, report.DiskUsedPercent);
        replyTo?.Tell(report);
    }

    private RetentionReport Failed(Exception e)
    {
        _log.Error(e, "Retention failed: {0}; it runs again in {1}", e.Message, _store.Settings.CleanResourceInterval);
        return new RetentionReport(double.NaN, _store.IsDiskFull, false, 0, 0, 0, _store.CommitLog.MinOffset);
    }
}
