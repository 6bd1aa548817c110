using Akka.Actor;
using Rocket.Store.Flush;
using Rocket.Store.Journal;
using Rocket.Store.Projection;
using Rocket.Store.Retention;

namespace Rocket.Store;

/// <summary>
/// Supervisor of one node's store actors (journal, flush, projector, retention). It owns the opened <see cref="MessageStore"/>:
/// its children stop first, then it shuts the store down cleanly (final flush, checkpoint, abort file removed).
/// </summary>
public sealed class StoreActor : ReceiveActor
{
    private readonly MessageStore _store;
    private readonly IActorRef _journal;

    public StoreActor(MessageStore store, IActorRef? arrivalListener, Func<long, long>? flushLog)
    {
        _store = store;
        var projector = Context.ActorOf(ProjectorActor.Props(store, arrivalListener), "projector");
        var flush = Context.ActorOf(FlushActor.Props(store, projector, flushLog), "flush");
        var retention = Context.ActorOf(RetentionActor.Props(store, projector), "retention");
        _journal = Context.ActorOf(JournalActor.Props(store, flush, projector, retention), "journal");
        Receive<GetJournal>(_ => Sender.Tell(_journal));
        Receive<AppendBatch>(batch => _journal.Forward(batch));
        Receive<Replication.AppendReplica>(m => _journal.Forward(m)); // replication's writes: the journal's too
        Receive<Replication.BeginEpoch>(m => _journal.Forward(m));
        Receive<Replication.TruncateLog>(m => _journal.Forward(m));
        Receive<Replication.StartLogAt>(m => _journal.Forward(m));
        Receive<RunRetentionNow>(m => retention.Forward(m));
        Receive<AwaitProjection>(m => projector.Forward(m));
    }

    public static Props Props(MessageStore store, IActorRef? arrivalListener = null, Func<long, long>? flushLog = null) =>
        Akka.Actor.Props.Create(() => new StoreActor(store, arrivalListener, flushLog));

    /// <summary>
    /// Store errors do not reach here: each child owns its retries (with back-off) and reports itself through
    /// <see cref="MessageStore.Health"/>, which makes the broker refuse writes. Anything that still escapes is a bug;
    /// resuming keeps the child's state (the projector's waiting list, the flush actor's pending replies) and its
    /// timers, where a stop would leave the broker acknowledging writes nobody projects or flushes (issue 8).
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Resume);

    protected override void PostStop() => _store.Shutdown();
}
