using Akka.Event;
using Akka.Persistence;

namespace Rocket.Broker.Metadata;

/// <summary>
/// A persistent actor that snapshots its state every <see cref="SnapshotEvery"/> events and then deletes the events
/// and snapshots the new snapshot replaces, so recovery reads one snapshot plus at most that many events.
/// </summary>
public abstract class CompactingPersistentActor : ReceivePersistentActor
{
    protected CompactingPersistentActor(string persistenceId, int snapshotEvery)
    {
        if (snapshotEvery < 1) throw new ArgumentOutOfRangeException(nameof(snapshotEvery), snapshotEvery, "must be at least 1");
        PersistenceId = persistenceId;
        SnapshotEvery = snapshotEvery;
    }

    public override string PersistenceId { get; }

    protected int SnapshotEvery { get; }

    /// <summary>The state to store when a snapshot is due.</summary>
    protected abstract object CreateSnapshot();

    /// <summary>Call from each persist handler, after the event is applied.</summary>
    protected void SnapshotIfDue()
    {
        if (LastSequenceNr % SnapshotEvery == 0) SaveSnapshot(CreateSnapshot());
    }

    /// <summary>Registers the snapshot and delete replies; call last in the constructor, after the actor's own commands.</summary>
    protected void HandleCompaction()
    {
        Command<SaveSnapshotSuccess>(saved =>
        {
            // The snapshot covers everything up to its sequence number: older events and snapshots are dead weight.
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(failed => Log.Warning(failed.Cause,
            "{0}: snapshot at {1} failed; its events are kept and replayed on recovery", PersistenceId, failed.Metadata.SequenceNr));
        Command<DeleteMessagesFailure>(failed => Log.Warning(failed.Cause, "{0}: deleting events up to {1} failed", PersistenceId, failed.ToSequenceNr));
        Command<DeleteSnapshotsFailure>(failed => Log.Warning(failed.Cause, "{0}: deleting old snapshots failed", PersistenceId));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteSnapshotsSuccess>(_ => { });
    }
}
