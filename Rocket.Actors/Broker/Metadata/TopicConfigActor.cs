using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Rocket.Protocol;

namespace Rocket.Broker.Metadata;

/// <summary>
/// The topic configs of one broker. Changes are rare, so each is persisted before it is answered (<c>Persist</c>
/// holds later commands until then). The subscriber gets the whole table after recovery and after every change.
/// </summary>
public sealed class TopicConfigActor : CompactingPersistentActor
{
    public const int DefaultSnapshotEvery = 100;

    private readonly string _brokerName;
    private readonly IActorRef _subscriber;
    // Immutable, so the table handed to the subscriber is a snapshot no later change can alter.
    private ImmutableSortedDictionary<string, TopicConfig> _topics =
        ImmutableSortedDictionary<string, TopicConfig>.Empty.WithComparers(StringComparer.Ordinal);

    public TopicConfigActor(string name, IActorRef subscriber, int snapshotEvery) : base($"topics-{name}", snapshotEvery)
    {
        _brokerName = name;
        _subscriber = subscriber;

        Recover<SnapshotOffer>(offer => _topics = ((TopicTableSnapshot)offer.Snapshot).Topics
            .ToImmutableSortedDictionary(t => t.Name, t => t, StringComparer.Ordinal));
        Recover<TopicSaved>(Apply);
        Recover<TopicRemoved>(Apply);
        Recover<RecoveryCompleted>(_ => Publish());

        Command<CreateOrUpdateTopic>(CreateOrUpdate);
        Command<DeleteTopic>(Delete);
        Command<EnsureTopic>(Ensure);
        Command<GetTopicConfigs>(_ => Sender.Tell(new TopicConfigs(_brokerName, _topics.Values.ToArray())));
        HandleCompaction();
    }

    public static Props Props(string name, IActorRef subscriber, int snapshotEvery = DefaultSnapshotEvery) =>
        Akka.Actor.Props.Create(() => new TopicConfigActor(name, subscriber, snapshotEvery));

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
    }

    private void Apply(TopicSaved saved) => _topics = _topics.SetItem(saved.Topic.Name, saved.Topic);

    private void Apply(TopicRemoved removed) => _topics = _topics.Remove(removed.Name);

    private void Publish() => _subscriber.Tell(new TopicTableChanged(_topics));
}
