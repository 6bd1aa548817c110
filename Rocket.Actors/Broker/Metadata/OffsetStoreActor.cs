using Akka.Actor;
using Akka.Persistence;
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
/// </remarks>
public sealed class OffsetStoreActor : CompactingPersistentActor
{
    public const int DefaultSnapshotEvery = 1000;

    private readonly ConsumerOffsetTable _offsets = new();

    public OffsetStoreActor(string name, int snapshotEvery) : base($"consumer-offsets-{name}", snapshotEvery)
    {
        Recover<SnapshotOffer>(offer => _offsets.Load(((OffsetStoreSnapshot)offer.Snapshot).Offsets));
        Recover<OffsetsCommitted>(_offsets.Apply);
        Recover<TopicOffsetsRemoved>(removed => _offsets.RemoveTopic(removed.Topic));

        Command<CommitOffsets>(Commit);
        Command<DeleteTopicOffsets>(DeleteTopic);
        Command<QueryOffset>(query => DeferAsync(query, q =>
            Sender.Tell(new OffsetAnswer(q.Group, q.Topic, q.QueueId, _offsets.Get(q.Group, q.Topic, q.QueueId)))));
        Command<GetGroupOffsets>(query => DeferAsync(query, q => Sender.Tell(new GroupOffsets(q.Group, _offsets.OfGroup(q.Group)))));
        HandleCompaction();
    }

    public static Props Props(string name, int snapshotEvery = DefaultSnapshotEvery) =>
        Akka.Actor.Props.Create(() => new OffsetStoreActor(name, snapshotEvery));

    // Events are absolute values replayed in order, so a snapshot that already holds later, accepted commits is
    // still right: replaying those events over it sets the same values again.
    protected override object CreateSnapshot() => new OffsetStoreSnapshot(_offsets.All());

    private void DeleteTopic(DeleteTopicOffsets command)
    {
        var replyTo = Sender;
        _offsets.RemoveTopic(command.Topic);
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
        PersistAsync(committed, _ => SnapshotIfDue());
    }
}
