using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Rocket.Broker.Metadata.Backup;
using Rocket.Broker.Metadata.Recovery;
using Rocket.Protocol;

namespace Rocket.Broker.Metadata;

/// <summary>
/// Consumer offsets of one broker, persisted as events holding only the offsets that changed, compacted into a
/// snapshot every <c>snapshotEvery</c> events.
/// </summary>
/// <remarks>
/// Commits use <c>PersistAsync</c>: the actor keeps taking commits while earlier ones are written, and the journal puts
/// everything queued behind a running transaction into the next one, so a flood of commits costs a few fsyncs, not
/// one each. State is updated when a commit arrives, so the next commit is compared with it; queries are answered
/// once every earlier commit is durable (<c>DeferAsync</c>).
/// With backups on, <c>backup/consumerOffset.json</c> is rewritten after recovery, every
/// <c>flush-consumer-offset-interval</c> when something changed, and on <see cref="FlushMetadataBackup"/> (clean stop).
/// Given a <see cref="MetadataRestore"/> and an empty journal (the database was lost), it persists the restored offsets first.
/// </remarks>
public sealed class OffsetStoreActor : CompactingPersistentActor, IWithTimers
{
    public const int DefaultSnapshotEvery = 1000;

    private readonly ConsumerOffsetTable _offsets = new();
    private readonly GroupQueueOffset[]? _restore;
    private readonly IActorRef? _backup;
    private readonly TimeSpan _backupInterval;
    private bool _changedSinceBackup;

    public ITimerScheduler Timers { get; set; } = null!;

    public OffsetStoreActor(string name, int snapshotEvery, MetadataSettings? backup, MetadataRestore? restore)
        : base($"consumer-offsets-{name}", snapshotEvery)
    {
        _restore = restore?.Offsets;
        if (backup is not null)
        {
            _backup = Context.ActorOf(BackupWriterActor.Props(backup.OffsetsFile, backup.BackupDispatcher), "backup");
            _backupInterval = backup.FlushConsumerOffsetInterval;
        }

        Recover<SnapshotOffer>(offer => _offsets.Load(((OffsetStoreSnapshot)offer.Snapshot).Offsets));
        Recover<OffsetsCommitted>(_offsets.Apply);
        Recover<TopicOffsetsRemoved>(removed => _offsets.RemoveTopic(removed.Topic));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<CommitOffsets>(Commit);
        Command<DeleteTopicOffsets>(DeleteTopic);
        Command<QueryOffset>(query => DeferAsync(query, q =>
            Sender.Tell(new OffsetAnswer(q.Group, q.Topic, q.QueueId, _offsets.Get(q.Group, q.Topic, q.QueueId)))));
        Command<GetGroupOffsets>(query => DeferAsync(query, q => Sender.Tell(new GroupOffsets(q.Group, _offsets.OfGroup(q.Group)))));
        Command<GetAllConsumerOffsets>(query => DeferAsync(query, _ => Sender.Tell(new AllConsumerOffsets(_offsets.All()))));
        Command<BackupDue>(_ =>
        {
            if (_changedSinceBackup) Backup(null);
        });
        Command<FlushMetadataBackup>(_ => Backup(Sender));
        HandleCompaction();
    }

    public static Props Props(string name, int snapshotEvery = DefaultSnapshotEvery, MetadataSettings? backup = null, MetadataRestore? restore = null) =>
        Akka.Actor.Props.Create(() => new OffsetStoreActor(name, snapshotEvery, backup, restore));

    private void OnRecovered()
    {
        if (_backup is not null) Timers.StartPeriodicTimer(BackupDue.Instance, BackupDue.Instance, _backupInterval);
        if (_restore is null || _restore.Length == 0)
        {
            Backup(null);
            return;
        }
        if (LastSequenceNr != 0)
        {
            Log.Warning("{0}: the journal holds {1} event(s), so the {2} offset(s) restored from backup are not applied", PersistenceId, LastSequenceNr, _restore.Length);
            Backup(null);
            return;
        }
        var byGroup = _restore.GroupBy(o => o.Group, StringComparer.Ordinal)
            .Select(g => new OffsetsCommitted(g.Key, g.Select(o => new QueueOffset(o.Topic, o.QueueId, o.Offset)).ToArray()))
            .ToArray();
        // Persist (not PersistAsync) holds every command until the restored offsets are durable: no query sees a gap.
        PersistAll(byGroup, committed =>
        {
            _offsets.Apply(committed);
            SnapshotIfDue();
        });
        DeferAsync(byGroup.Length, groups =>
        {
            Log.Info("{0}: restored offsets of {1} group(s) stored in the metadata database", PersistenceId, groups);
            Backup(null);
        });
    }

    private void Backup(IActorRef? replyTo)
    {
        _changedSinceBackup = false;
        if (_backup is not null) _backup.Tell(new WriteBackup(new OffsetsBackup(_offsets.All(), DateTimeOffset.UtcNow), replyTo));
        else replyTo?.Tell(new BackupWritten("", null));
    }

    private sealed class BackupDue
    {
        public static readonly BackupDue Instance = new();
    }

    // Events are absolute values replayed in order, so a snapshot that already holds later, accepted commits is
    // still right: replaying those events over it sets the same values again.
    protected override object CreateSnapshot() => new OffsetStoreSnapshot(_offsets.All());

    private void DeleteTopic(DeleteTopicOffsets command)
    {
        var replyTo = Sender;
        _offsets.RemoveTopic(command.Topic);
        _changedSinceBackup = true;
        // PersistAsync keeps the order with the commits around it; the reply waits until the removal is durable.
        PersistAsync(new TopicOffsetsRemoved(command.Topic), _ =>
        {
            SnapshotIfDue();
            replyTo.Tell(new TopicOffsetsDeleted(command.Topic));
        });
    }

    private void Commit(CommitOffsets commit)
    {
        var changed = _offsets.Changes(commit.Group, commit.Offsets);
        if (changed.Length == 0) return;
        var committed = new OffsetsCommitted(commit.Group, changed);
        _offsets.Apply(committed);
        _changedSinceBackup = true;
        PersistAsync(committed, _ => SnapshotIfDue());
    }
}
