using Akka.Actor;
using Rocket.Broker.Metadata;
using Rocket.Protocol;

namespace Rocket.Tests.Support;

/// <summary>In-memory stand-in for the persistent topic config actor in broker actor tests.</summary>
public sealed class InMemoryTopicsActor : ReceiveActor
{
    private readonly Dictionary<string, TopicConfig> _topics = new();
    private readonly IActorRef _subscriber;

    public InMemoryTopicsActor(IActorRef subscriber, TopicConfig[] initial)
    {
        _subscriber = subscriber;
        foreach (var t in initial) _topics[t.Name] = t;
        Receive<EnsureTopic>(e =>
        {
            if (!_topics.ContainsKey(e.Name)) _topics[e.Name] = new TopicConfig(e.Name, e.Queues, e.Queues);
            Sender.Tell(new TopicEnsured(e.Name, _topics[e.Name], null));
            Publish();
        });
        Receive<CreateOrUpdateTopic>(c =>
        {
            _topics[c.Topic.Name] = c.Topic;
            Sender.Tell(new AdminResult(true));
            Publish();
        });
        Receive<DeleteTopic>(d =>
        {
            if (!_topics.Remove(d.Name))
            {
                Sender.Tell(new AdminResult(false, $"topic '{d.Name}' does not exist on broker 'test'"));
                return;
            }
            Publish();
            Sender.Tell(new AdminResult(true));
        });
        Receive<GetTopicConfigs>(_ => Sender.Tell(new TopicConfigs("test", _topics.Values.ToArray())));
    }

    protected override void PreStart() => Publish();

    private void Publish() => _subscriber.Tell(new TopicTableChanged(new Dictionary<string, TopicConfig>(_topics)));

    public static Func<IActorRef, Props> Factory(params TopicConfig[] initial) =>
        subscriber => Props.Create(() => new InMemoryTopicsActor(subscriber, initial));
}

/// <summary>In-memory stand-in for the persistent offset store in broker actor tests.</summary>
public sealed class InMemoryOffsetsActor : ReceiveActor
{
    private readonly Dictionary<(string Group, string Topic, int QueueId), long> _offsets = new();

    public InMemoryOffsetsActor()
    {
        Receive<CommitOffsets>(c => { foreach (var o in c.Offsets) _offsets[(c.Group, o.Topic, o.QueueId)] = o.Offset; });
        Receive<QueryOffset>(q => Sender.Tell(new OffsetAnswer(q.Group, q.Topic, q.QueueId, _offsets.GetValueOrDefault((q.Group, q.Topic, q.QueueId), -1))));
        Receive<DeleteTopicOffsets>(d =>
        {
            foreach (var key in _offsets.Keys.Where(k => k.Topic == d.Topic).ToArray()) _offsets.Remove(key);
            Sender.Tell(new TopicOffsetsDeleted(d.Topic));
        });
        Receive<GetAllConsumerOffsets>(_ => Sender.Tell(new AllConsumerOffsets(
            _offsets.Select(kv => new GroupQueueOffset(kv.Key.Group, kv.Key.Topic, kv.Key.QueueId, kv.Value)).ToArray())));
        Receive<GetGroupOffsets>(g => Sender.Tell(new GroupOffsets(g.Group,
            _offsets.Where(kv => kv.Key.Group == g.Group).ToDictionary(kv => (kv.Key.Topic, kv.Key.QueueId), kv => kv.Value))));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new InMemoryOffsetsActor());
}
