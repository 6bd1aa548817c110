using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Metadata;
using Rocket.Broker.Replication;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Log;

namespace Rocket.Broker.Retry;

/// <summary>
/// Asks for the retry topic of a clustering group (a member heartbeated): RocketMQ creates it then, so members'
/// routes hold it before the first send-back.
/// </summary>
public sealed record EnsureRetryTopic(string Group);

/// <summary>
/// The broker's send-back handler (RocketMQ's consumerSendMsgBack): answers <see cref="ConsumerSendBack"/> by reading
/// the message at its physical offset and writing its next life (<see cref="SendBack.Target"/>) to the group's retry
/// or dead-letter topic through the produce actor, so a retry goes through delay parking like any DELAY message.
/// Both topics are created on demand with one read+write queue. A consumer is answered only once the journal
/// acknowledged the write: only then may it move its offset past the message.
/// </summary>
public sealed class SendBackActor : ReceiveActor
{
    /// <summary>A send-back waiting for its topic or its write.</summary>
    private sealed record Pending(IActorRef ReplyTo, ConsumerSendBack Request, SendBackTarget Target);

    private readonly MessageStore _store;
    private readonly BrokerSettings _settings;
    private readonly BrokerRoleState _role;
    private readonly IActorRef _produce;
    private readonly IActorRef _topicsActor;
    private readonly int _delayLevels;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IReadOnlyDictionary<string, TopicConfig> _topics = new Dictionary<string, TopicConfig>();
    private readonly Dictionary<string, List<Pending>> _awaitingTopic = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ensuring = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Pending> _writing = new();
    private readonly HashSet<string> _uncreatable = new(StringComparer.Ordinal);
    private long _nextWrite;

    /// <param name="role">The broker's run-time role: only a master (now, not as configured) takes send-backs.</param>
    /// <param name="delayLevels">How many levels the delay table has: retry levels above it are clamped to the last.</param>
    public SendBackActor(MessageStore store, BrokerSettings settings, BrokerRoleState role, IActorRef produce, IActorRef topics, int delayLevels)
    {
        _store = store;
        _settings = settings;
        _role = role;
        _produce = produce;
        _topicsActor = topics;
        _delayLevels = delayLevels;
        Receive<TopicTableChanged>(OnTopics);
        Receive<ConsumerSendBack>(OnSendBack);
        Receive<EnsureRetryTopic>(e => Ensure(SystemTopics.RetryTopic(e.Group)));
        Receive<TopicEnsured>(OnEnsured);
        Receive<InternalAppended>(OnAppended);
    }

    public static Props Props(MessageStore store, BrokerSettings settings, BrokerRoleState role, IActorRef produce, IActorRef topics, int delayLevels) =>
        Akka.Actor.Props.Create(() => new SendBackActor(store, settings, role, produce, topics, delayLevels));

    private void OnTopics(TopicTableChanged changed)
    {
        _topics = changed.Topics;
        foreach (var topic in _awaitingTopic.Keys.Where(_topics.ContainsKey).ToArray())
        {
            _awaitingTopic.Remove(topic, out var waiting);
            foreach (var pending in waiting!) Write(pending);
        }
    }

    private void OnSendBack(ConsumerSendBack request)
    {
        if (_role.WriteRefusal(_settings.BrokerName, _settings.BrokerId) is { } slave)
        {
            Answer(Sender, request, slave);
            return;
        }
        if (ResourceNames.CheckGroup(request.Group) is { } groupError)
        {
            Refuse(Sender, request, groupError);
            return;
        }
        if (request.MaxReconsumeTimes < 0)
        {
            Refuse(Sender, request, $"max reconsume times {request.MaxReconsumeTimes} is negative");
            return;
        }
        // The read is a checked copy out of the mapped log (no I/O wait beyond a page fault), as pulls do.
        var stored = _store.ReadMessage(request.PhysicalOffset);
        if (stored is null)
        {
            Refuse(Sender, request, $"no message at physical offset {request.PhysicalOffset} (gone by retention, or not an offset of this broker)");
            return;
        }
        if (SendBack.Mismatch(stored, request) is { } mismatch)
        {
            Refuse(Sender, request, mismatch);
            return;
        }
        var target = SendBack.Target(stored, request, _delayLevels);
        if (target.DeadLetter)
            _log.Warning("Group {0}: message {1} (topic {2}) consumed {3} time(s) without success goes to {4}", request.Group,
                request.OriginMessageId ?? stored.UniqueKey, stored.Topic, stored.ReconsumeTimes + 1, target.Record.Topic);
        var pending = new Pending(Sender, request, target);
        if (_topics.ContainsKey(target.Record.Topic)) Write(pending);
        else
        {
            if (!_awaitingTopic.TryGetValue(target.Record.Topic, out var waiting)) _awaitingTopic[target.Record.Topic] = waiting = new();
            waiting.Add(pending);
            Ensure(target.Record.Topic);
        }
    }

    /// <summary>Creates the topic (one read+write queue) unless it exists or is being created.</summary>
    private void Ensure(string topic)
    {
        if (_topics.ContainsKey(topic) || !_ensuring.Add(topic)) return;
        _topicsActor.Tell(new EnsureTopic(topic, 1));
    }

    private void OnEnsured(TopicEnsured ensured)
    {
        _ensuring.Remove(ensured.Name);
        // Created: the writes wait for the topic table that holds it, which the broker hands the produce actor first
        // (a write sent on this answer alone could reach the produce actor before its table has the topic).
        if (ensured.Topic is not null) return;
        // Said once per topic: members heartbeat every few seconds.
        if (_uncreatable.Add(ensured.Name)) _log.Warning("Broker {0} cannot create topic {1}: {2}", _settings.BrokerName, ensured.Name, ensured.Error);
        if (!_awaitingTopic.Remove(ensured.Name, out var waiting)) return;
        foreach (var pending in waiting) Refuse(pending.ReplyTo, pending.Request, $"topic '{ensured.Name}' could not be created: {ensured.Error}");
    }

    private void Write(Pending pending)
    {
        long id = ++_nextWrite;
        _writing[id] = pending;
        _produce.Tell(new AppendInternal(id, [pending.Target.Record]));
    }

    private void OnAppended(InternalAppended appended)
    {
        if (!_writing.Remove(appended.RequestId, out var pending)) return;
        var result = appended.Results[0];
        string topic = pending.Target.Record.Topic;
        if (result.Status == AppendStatus.Ok)
            pending.ReplyTo.Tell(new SendBackResult(pending.Request.RequestId, true, topic, null));
        else
            Refuse(pending.ReplyTo, pending.Request, $"writing it to {topic} failed: {result.Status}: {result.Error}");
    }

    private void Refuse(IActorRef replyTo, ConsumerSendBack request, string why) =>
        Answer(replyTo, request, $"broker {_settings.BrokerName}: {why}");

    /// <param name="error">The whole refusal, naming this broker.</param>
    private void Answer(IActorRef replyTo, ConsumerSendBack request, string error)
    {
        _log.Warning("Broker {0} refused a send-back of group {1} (physical offset {2}): {3}", _settings.BrokerName, request.Group, request.PhysicalOffset, error);
        replyTo.Tell(new SendBackResult(request.RequestId, false, null, error));
    }
}
