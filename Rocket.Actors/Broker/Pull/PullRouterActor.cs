using Akka.Actor;
using Rocket.Broker.Metadata;
using Rocket.Broker.Replication;
using Rocket.Broker.TopicDeletion;
using Rocket.Protocol;
using Rocket.Store;

namespace Rocket.Broker.Pull;

/// <summary>
/// Admits pulls against the topic table (the topic exists, its perm has the read bit, the queue id is below its
/// read-queue count), routes them to one <see cref="QueuePartitionActor"/> per topic queue (created on first use),
/// and fans the projector's arrival notices out to the queues that have pulls on hold. Pulls that come before the
/// broker's topic table has been recovered wait for it.
/// </summary>
public sealed class PullRouterActor : ReceiveActor, IWithUnboundedStash
{
    private readonly MessageStore _store;
    private readonly BrokerSettings _settings;
    private readonly BrokerRoleState _role;
    private readonly Dictionary<(string Topic, int QueueId), IActorRef> _queues = new();
    private IReadOnlyDictionary<string, TopicConfig> _topics = new Dictionary<string, TopicConfig>();

    /// <param name="role">The broker's run-time role (pull responses' suggestions depend on it).</param>
    public PullRouterActor(MessageStore store, BrokerSettings settings, BrokerRoleState role)
    {
        _store = store;
        _settings = settings;
        _role = role;
        Receive<TopicTableChanged>(changed =>
        {
            OnTopics(changed);
            Stash.UnstashAll();
            Become(Serving);
        });
        Receive<PullRequest>(_ => Stash.Stash());
        Receive<MessagesArrived>(ForwardInternal); // no queue actor exists before the first pull
        Receive<ReleaseHolds>(_ => { }); // nor any held pull
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(MessageStore store, BrokerSettings settings, BrokerRoleState role) =>
        Akka.Actor.Props.Create(() => new PullRouterActor(store, settings, role));

    private void Serving()
    {
        Receive<PullRequest>(OnPull);
        Receive<MessagesArrived>(OnArrived);
        Receive<ReleaseHolds>(release =>
        {
            foreach (var queue in _queues.Values) queue.Tell(release);
        });
        Receive<TopicTableChanged>(OnTopics);
        Receive<TopicDeleted>(deleted =>
        {
            if (_topics.ContainsKey(deleted.Topic))
            {
                var copy = new Dictionary<string, TopicConfig>(_topics);
                copy.Remove(deleted.Topic);
                _topics = copy;
            }
            StopQueuesOf(t => t == deleted.Topic);
        });
    }

    private void OnPull(PullRequest request)
    {
        if (Refuse(request) is { } refusal) Sender.Tell(refusal);
        else QueueFor(request.Topic, request.QueueId).Forward(request);
    }

    private PullResponse? Refuse(PullRequest r)
    {
        if (SystemTopics.IsInternal(r.Topic))
            return Refusal(r, PullStatus.NoPermission, InternalTopicRefusals.Pull(r.Topic, _settings.BrokerName));
        if (!_topics.TryGetValue(r.Topic, out var topic))
            return Refusal(r, PullStatus.NoSuchQueue, $"topic '{r.Topic}' does not exist on broker {_settings.BrokerName}");
        if ((topic.Perm & TopicPerm.Read) == 0)
            return Refusal(r, PullStatus.NoPermission,
                $"topic '{r.Topic}' is not readable on broker {_settings.BrokerName} (perm {(int)topic.Perm} has no read bit 4)");
        if (r.QueueId < 0 || r.QueueId >= topic.ReadQueues)
            return Refusal(r, PullStatus.NoSuchQueue,
                $"queue {r.QueueId} of topic '{r.Topic}' is not readable on broker {_settings.BrokerName} (read queues: {topic.ReadQueues})");
        return null;
    }

    private static PullResponse Refusal(PullRequest r, PullStatus status, string error) =>
        new(r.RequestId, status, r.Topic, r.QueueId, r.Offset, 0, 0, [], error);

    /// <summary>Queue actors of topics that are gone stop; the pulls they hold are answered with the refusal.</summary>
    private void OnTopics(TopicTableChanged changed)
    {
        _topics = changed.Topics;
        StopQueuesOf(topic => !_topics.ContainsKey(topic));
    }

    private void StopQueuesOf(Func<string, bool> gone)
    {
        foreach (var (key, queue) in _queues.Where(q => gone(q.Key.Topic)).ToArray())
        {
            queue.Tell(new QueuePartitionActor.Retire($"topic '{key.Topic}' does not exist on broker {_settings.BrokerName}"));
            _queues.Remove(key);
        }
    }

    private IActorRef QueueFor(string topic, int queueId)
    {
        if (!_queues.TryGetValue((topic, queueId), out var queue))
        {
            // Topic names are [%|a-zA-Z0-9_-]; '%' and '|' are escaped for the actor name. The counter keeps the
            // name free while a retired actor of a deleted topic's queue is still stopping.
            var name = $"{Uri.EscapeDataString(topic)}-{queueId}-{++_created}";
            queue = Context.ActorOf(QueuePartitionActor.Props(_store, _settings, _role, topic, queueId), name);
            _queues[(topic, queueId)] = queue;
        }
        return queue;
    }

    private long _created;

    /// <summary>Internal topics are read by the broker's own services, not pulled: their arrivals go to the broker.</summary>
    private static void ForwardInternal(MessagesArrived arrived)
    {
        foreach (var q in arrived.Queues)
            if (SystemTopics.IsInternal(q.Topic))
            {
                Context.Parent.Tell(arrived);
                return;
            }
    }

    private void OnArrived(MessagesArrived arrived)
    {
        ForwardInternal(arrived);
        foreach (var q in arrived.Queues)
            if (_queues.TryGetValue((q.Topic, q.QueueId), out var queue))
                queue.Tell(new QueuePartitionActor.Arrived(q.MaxOffset));
    }
}
