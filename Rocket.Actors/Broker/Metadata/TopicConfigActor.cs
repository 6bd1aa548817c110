using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Rocket.Broker.Metadata.Backup;
using Rocket.Broker.Metadata.Recovery;
using Rocket.Protocol;

namespace Rocket.Broker.Metadata;

/// <summary>
/// The topic configs of one broker. Changes are rare, so each is persisted before it is answered (<c>Persist</c>
/// holds later commands until then). The subscriber gets the whole table after recovery and after every change.
/// With backups on, <c>backup/topics.json</c> is rewritten after recovery and after every change; given a
/// <see cref="MetadataRestore"/> and an empty journal (the database was lost), it persists the restored topics first.
/// </summary>
public sealed class TopicConfigActor : CompactingPersistentActor
{
    public const int DefaultSnapshotEvery = 100;

    private readonly string _brokerName;
    private readonly IActorRef _subscriber;
    // Immutable, so the table handed to the subscriber is a snapshot no later change can alter.
    private ImmutableSortedDictionary<string, TopicConfig> _topics =
        ImmutableSortedDictionary<string, TopicConfig>.Empty.WithComparers(StringComparer.Ordinal);

    private readonly TopicConfig[]? _restore;
    private readonly IActorRef? _backup;

    public TopicConfigActor(string name, IActorRef subscriber, int snapshotEvery, MetadataSettings? backup, MetadataRestore? restore)
        : base($"topics-{name}", snapshotEvery)
    {
        _brokerName = name;
        _subscriber = subscriber;
        _restore = restore?.Topics;
        if (backup is not null) _backup = Context.ActorOf(BackupWriterActor.Props(backup.TopicsFile, backup.BackupDispatcher), "backup");

        Recover<SnapshotOffer>(offer => _topics = ((TopicTableSnapshot)offer.Snapshot).Topics
            .ToImmutableSortedDictionary(t => t.Name, t => t, StringComparer.Ordinal));
        Recover<TopicSaved>(Apply);
        Recover<TopicRemoved>(Apply);
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<CreateOrUpdateTopic>(CreateOrUpdate);
        Command<DeleteTopic>(Delete);
        Command<EnsureTopic>(Ensure);
        Command<GetTopicConfigs>(_ => Sender.Tell(new TopicConfigs(_brokerName, _topics.Values.ToArray())));
        Command<FlushMetadataBackup>(_ => Backup(Sender));
        HandleCompaction();
    }

    public static Props Props(string name, IActorRef subscriber, int snapshotEvery = DefaultSnapshotEvery,
        MetadataSettings? backup = null, MetadataRestore? restore = null) =>
        Akka.Actor.Props.Create(() => new TopicConfigActor(name, subscriber, snapshotEvery, backup, restore));

    /// <summary>
    /// The subscriber's first table must already hold restored topics: the broker deletes the data of consume queues
    /// whose topic is not in it (a delete cut short).
    /// </summary>
    private void OnRecovered()
    {
        if (_restore is null || _restore.Length == 0)
        {
            Publish();
            Backup(null);
            return;
        }
        if (LastSequenceNr != 0)
        {
            // The database was judged lost at start, yet the journal has events: it wins, the restore is dropped (said so).
            Log.Warning("{0}: the journal holds {1} event(s), so the {2} topic(s) restored from backup are not applied", PersistenceId, LastSequenceNr, _restore.Length);
            Publish();
            Backup(null);
            return;
        }
        PersistAll(_restore.Select(t => new TopicSaved(t)), saved =>
        {
            Apply(saved);
            SnapshotIfDue();
        });
        DeferAsync(_restore.Length, count =>
        {
            Log.Info("{0}: {1} restored topic(s) stored in the metadata database", PersistenceId, count);
            Publish();
            Backup(null);
        });
    }

    private void Backup(IActorRef? replyTo)
    {
        if (_backup is not null) _backup.Tell(new WriteBackup(new TopicsBackup(_topics.Values.ToArray(), DateTimeOffset.UtcNow), replyTo));
        else replyTo?.Tell(new BackupWritten("", null));
    }

    protected override object CreateSnapshot() => new TopicTableSnapshot(_topics.Values.ToArray());

    private void CreateOrUpdate(CreateOrUpdateTopic command)
    {
        var topic = command.Topic;
        if (TopicRules.Check(topic) is { } error)
        {
            Sender.Tell(new AdminResult(false, error));
            return;
        }
        if (_topics.TryGetValue(topic.Name, out var current) && current == topic)
        {
            Sender.Tell(new AdminResult(true));
            return;
        }
        var replyTo = Sender;
        Persist(new TopicSaved(topic), saved =>
        {
            Apply(saved);
            AfterChange();
            replyTo.Tell(new AdminResult(true));
        });
    }

    private void Delete(DeleteTopic command)
    {
        if (!_topics.ContainsKey(command.Name))
        {
            Sender.Tell(new AdminResult(false, $"topic '{command.Name}' does not exist on broker '{_brokerName}'"));
            return;
        }
        var replyTo = Sender;
        Persist(new TopicRemoved(command.Name), removed =>
        {
            Apply(removed);
            AfterChange();
            replyTo.Tell(new AdminResult(true));
        });
    }

    /// <summary>Auto-create: an existing topic is answered as it is, whatever queue count was asked.</summary>
    private void Ensure(EnsureTopic command)
    {
        if (_topics.TryGetValue(command.Name, out var existing))
        {
            Sender.Tell(new TopicEnsured(command.Name, existing, null));
            return;
        }
        var topic = new TopicConfig(command.Name, command.Queues, command.Queues);
        if (TopicRules.Check(topic) is { } error)
        {
            Sender.Tell(new TopicEnsured(command.Name, null, error));
            return;
        }
        var replyTo = Sender;
        Persist(new TopicSaved(topic), saved =>
        {
            Apply(saved);
            AfterChange();
            replyTo.Tell(new TopicEnsured(topic.Name, topic, null));
        });
    }

    private void AfterChange()
    {
        Publish();
        SnapshotIfDue();
        Backup(null);
    }

    private void Apply(TopicSaved saved) => _topics = _topics.SetItem(saved.Topic.Name, saved.Topic);

    private void Apply(TopicRemoved removed) => _topics = _topics.Remove(removed.Name);

    private void Publish() => _subscriber.Tell(new TopicTableChanged(_topics));
}
