using Akka.Actor;
using Rocket.Protocol;
using Rocket.Store;

namespace Rocket.Broker.Pull;

/// <summary>
/// Routes pulls to one <see cref="QueuePartitionActor"/> per topic queue (created on first use) and fans the
/// projector's arrival notices out to the queues that have pulls on hold.
/// </summary>
public sealed class PullRouterActor : ReceiveActor
{
    private readonly MessageStore _store;
    private readonly BrokerSettings _settings;
    private readonly Dictionary<(string Topic, int QueueId), IActorRef> _queues = new();

    public PullRouterActor(MessageStore store, BrokerSettings settings)
    {
        _store = store;
        _settings = settings;
        Receive<PullRequest>(r => QueueFor(r.Topic, r.QueueId).Forward(r));
        Receive<MessagesArrived>(OnArrived);
    }

    public static Props Props(MessageStore store, BrokerSettings settings) =>
        Akka.Actor.Props.Create(() => new PullRouterActor(store, settings));

    private IActorRef QueueFor(string topic, int queueId)
    {
        if (!_queues.TryGetValue((topic, queueId), out var queue))
        {
            // Topic names are [%|a-zA-Z0-9_-]; '%' and '|' are escaped for the actor name.
            var name = $"{Uri.EscapeDataString(topic)}-{queueId}";
            queue = Context.ActorOf(QueuePartitionActor.Props(_store, _settings, topic, queueId), name);
            _queues[(topic, queueId)] = queue;
        }
        return queue;
    }

    private void OnArrived(MessagesArrived arrived)
    {
        foreach (var q in arrived.Queues)
            if (_queues.TryGetValue((q.Topic, q.QueueId), out var queue))
                queue.Tell(new QueuePartitionActor.Arrived(q.MaxOffset));
    }
}
