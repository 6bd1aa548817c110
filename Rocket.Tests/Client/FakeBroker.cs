using Akka.Actor;
using Rocket.Protocol;

namespace Rocket.Tests.Client;

/// <summary>
/// A broker front actor good enough for the client: stores produced messages per queue in memory, serves pulls
/// (holding them briefly when caught up), tracks consumer heartbeats and committed offsets. Tests can hold
/// produce replies, make every produce fail with a status, and read a snapshot of what it saw.
/// Consumer send-backs are by default taken as a real broker does without the delay (the message is stored at once in
/// <c>%RETRY%&lt;group&gt;</c> queue 0, reconsume times + 1, RETRY_TOPIC set); tests may refuse them or hold the answers.
/// </summary>
public sealed class FakeBroker : ReceiveActor, IWithTimers
{
    public sealed record HoldProduceReplies(bool Hold);
    public sealed record FailProducesWith(ProduceStatus? Status);
    public sealed record GetState;
    /// <summary>Answered with the consumer actors that sent heartbeats (IActorRef[]), to push broker notices to them.</summary>
    public sealed record GetConsumerActors;
    /// <summary>Answered with the offset commits and reset adoptions received, in order (string[]: "commit G T 0 5", "adopted G T 7").</summary>
    public sealed record GetOffsetEvents;
    public enum SendBackAnswer { Store, Refuse, Hold }
    public sealed record AnswerSendBacks(SendBackAnswer Answer);
    /// <summary>Answers offset questions (stored offset, queue min/max) only after <paramref name="Delay"/>; null never answers.</summary>
    public sealed record SlowOffsetAnswers(TimeSpan? Delay);
    /// <summary>Loses the next <paramref name="Count"/> offset commits, as a commit sent to a master whose connection is still gated is.</summary>
    public sealed record DropCommits(int Count);
    /// <summary>Loses the next <paramref name="Count"/> member-list and offset questions, as a query sent to a broker whose connection is still gated is.</summary>
    public sealed record DropQueries(int Count);
    /// <summary>As a real broker: tell every member of a group to rebalance when a new one heartbeats (off by default).</summary>
    public sealed record NotifyRebalance(bool On);
    /// <summary>Answered with <see cref="LockEvents"/>: commits, locks granted and unlocks, in arrival order.</summary>
    public sealed record GetLockEvents;
    public sealed record LockEvents(IReadOnlyList<string> Events);
    /// <summary>Every message stored from now on is also stored, at the same queue offset, on <paramref name="Slave"/> (as replication would).</summary>
    public sealed record ReplicateTo(IActorRef Slave);
    /// <summary>A replicated message (from <see cref="ReplicateTo"/>, or a test filling a slave directly).</summary>
    public sealed record Replicated(string Topic, int QueueId, PulledMessage Message);
    /// <summary>Every pull response from now on carries this suggested broker id (null: none, the default).</summary>
    public sealed record SuggestBroker(long? BrokerId);
    /// <summary>Serve a data channel (a real <c>DataChannelListenerActor</c> feeding this fake); answered with the listener.</summary>
    public sealed record OpenDataChannel;
    private sealed record AnswerLater(IActorRef To, object Answer);
    private sealed record ExpireHeldPull(long Serial);

    public sealed record State(
        IReadOnlyList<ProduceRequest> ProduceRequests,
        IReadOnlyDictionary<(string Topic, int QueueId), IReadOnlyList<PulledMessage>> Stored,
        IReadOnlyList<string> Consumers,
        IReadOnlyDictionary<(string Group, string Topic, int QueueId), long> Committed,
        int Heartbeats,
        int Unregistrations,
        int Pulls,
        IReadOnlyList<ConsumerSendBack> SendBacks);

    private readonly string _name;
    private readonly List<ProduceRequest> _requests = new();
    private readonly List<(IActorRef Sender, ProduceRequest Request)> _held = new();
    private readonly Dictionary<(string, int), List<PulledMessage>> _stored = new();
    private readonly HashSet<string> _consumers = new();
    private readonly HashSet<IActorRef> _consumerActors = new();
    private readonly List<string> _offsetEvents = new();
    private readonly Dictionary<(string, string, int), long> _committed = new();
    private readonly List<(IActorRef Sender, PullRequest Request, long Serial)> _heldPulls = new();
    private long _heldSerial;
    private bool _hold;
    private TimeSpan? _offsetDelay = TimeSpan.Zero;
    private int _commitsToDrop;
    private int _queriesToDrop;
    private ProduceStatus? _failWith;
    private long _physical;
    private int _heartbeats, _unregistrations, _pulls;
    private SendBackAnswer _sendBackAnswer = SendBackAnswer.Store;
    private readonly List<ConsumerSendBack> _sendBacks = new();
    private readonly List<(IActorRef Sender, ConsumerSendBack Request)> _heldSendBacks = new();

    private readonly List<string> _lockEvents = new();
    private readonly Dictionary<(string Group, string ClientId), IActorRef> _members = new();
    private bool _notifyRebalance;
    private IActorRef _locks = ActorRefs.Nobody;
    private IActorRef? _slave;
    private long? _suggest;
    private IActorRef? _dataChannel;

    private void OnProduce(ProduceRequest r, IActorRef sender)
    {
        _requests.Add(r);
        if (_hold) _held.Add((sender, r));
        else sender.Tell(Answer(r));
    }

    protected override void PreStart() => _locks = Context.ActorOf(Rocket.Broker.Locks.QueueLockActor.Props(TimeSpan.FromSeconds(60)));

    public FakeBroker(string name)
    {
        _name = name;
        Receive<NotifyRebalance>(n => _notifyRebalance = n.On);
        Receive<ReplicateTo>(r => _slave = r.Slave);
        Receive<SuggestBroker>(s => _suggest = s.BrokerId);
        Receive<Replicated>(r =>
        {
            if (!_stored.TryGetValue((r.Topic, r.QueueId), out var list)) _stored[(r.Topic, r.QueueId)] = list = new List<PulledMessage>();
            list.Add(r.Message with { QueueOffset = list.Count });
            WakeHeldPulls();
        });
        Receive<GetLockEvents>(_ => Sender.Tell(new LockEvents(_lockEvents.ToArray())));
        Receive<LockBatchRequest>(r => _locks.Ask<LockBatchResult>(r, TimeSpan.FromSeconds(3)).PipeTo(Self, Sender));
        Receive<LockBatchResult>(r =>
        {
            foreach (var q in r.Locked) _lockEvents.Add($"locked {q.Topic}:{q.QueueId}");
            Sender.Tell(r);
        });
        Receive<UnlockBatchRequest>(r =>
        {
            foreach (var q in r.Queues) _lockEvents.Add($"unlock {q.Topic}:{q.QueueId}");
            _locks.Forward(r);
        });
        Receive<HoldProduceReplies>(h =>
        {
            _hold = h.Hold;
            if (_hold) return;
            foreach (var (sender, request) in _held) sender.Tell(Answer(request));
            _held.Clear();
        });
        Receive<FailProducesWith>(f => _failWith = f.Status);
        Receive<AnswerSendBacks>(a =>
        {
            _sendBackAnswer = a.Answer;
            if (a.Answer == SendBackAnswer.Hold) return;
            foreach (var (sender, request) in _heldSendBacks) sender.Tell(SendBack(request));
            _heldSendBacks.Clear();
        });
        Receive<ConsumerSendBack>(b =>
        {
            _sendBacks.Add(b);
            if (_sendBackAnswer == SendBackAnswer.Hold) _heldSendBacks.Add((Sender, b));
            else Sender.Tell(SendBack(b));
        });
        Receive<ProduceRequest>(r => OnProduce(r, Sender));
        Receive<Rocket.Broker.Produce.ChannelProduceRequests>(r =>
        {
            foreach (var request in r.Requests) OnProduce(request, Sender);
        });
        Receive<OpenDataChannel>(_ =>
        {
            var (listener, error) = Rocket.Broker.DataChannel.DataChannelListenerActor.Listen("127.0.0.1", 0);
            _dataChannel = Context.ActorOf(Rocket.Broker.DataChannel.DataChannelListenerActor.Props(
                listener ?? throw new InvalidOperationException(error), Self, Self), "data-channel");
            Sender.Tell(_dataChannel);
        });
        Receive<DataChannelQuery>(q =>
        {
            if (_dataChannel is null) Sender.Tell(new DataChannelRefused("this fake broker serves no data channel"));
            else _dataChannel.Forward(q);
        });
        Receive<Rocket.Broker.Pull.ChannelPullRequest>(p => Self.Forward(p.Request));
        Receive<PullRequest>(p =>
        {
            _pulls++;
            if (!TryAnswerPull(Sender, p))
            {
                long serial = ++_heldSerial;
                _heldPulls.Add((Sender, p, serial));
                Timers.StartSingleTimer(("pull", serial), new ExpireHeldPull(serial), TimeSpan.FromMilliseconds(300));
            }
        });
        Receive<ExpireHeldPull>(e =>
        {
            var i = _heldPulls.FindIndex(h => h.Serial == e.Serial);
            if (i < 0) return;
            var (sender, p, _) = _heldPulls[i];
            _heldPulls.RemoveAt(i);
            sender.Tell(new PullResponse(p.RequestId, PullStatus.NoNewMessage, p.Topic, p.QueueId, p.Offset, 0, Count(p.Topic, p.QueueId), [],
                SuggestBrokerId: _suggest));
        });
        Receive<ConsumerHeartbeat>(h =>
        {
            _heartbeats++;
            _consumers.Add(h.ClientId);
            _consumerActors.Add(h.Consumer);
            if (_members.TryAdd((h.Group, h.ClientId), h.Consumer) && _notifyRebalance)
                foreach (var ((group, _), member) in _members)
                    if (group == h.Group) member.Tell(new RebalanceNeeded(group));
        });
        Receive<UnregisterConsumer>(u =>
        {
            _unregistrations++;
            _consumers.Remove(u.ClientId);
            _members.Remove((u.Group, u.ClientId));
        });
        Receive<DropQueries>(d => _queriesToDrop = d.Count);
        Receive<GetConsumerIds>(g => { if (!DropQuery()) Sender.Tell(new ConsumerIds(g.Group, _consumers.ToArray())); });
        Receive<SlowOffsetAnswers>(s => _offsetDelay = s.Delay);
        Receive<AnswerLater>(a => a.To.Tell(a.Answer));
        Receive<QueryOffset>(q =>
        {
            if (!DropQuery())
                AnswerOffsetQuestion(new OffsetAnswer(q.Group, q.Topic, q.QueueId, _committed.TryGetValue((q.Group, q.Topic, q.QueueId), out var o) ? o : -1));
        });
        // Answered when asked (not when delivered late): a slow answer says where the queue ended at question time.
        Receive<QueryQueueOffsets>(q =>
        {
            if (!DropQuery()) AnswerOffsetQuestion(new QueueOffsets(q.Topic, q.QueueId, 0, Count(q.Topic, q.QueueId), null));
        });
        Receive<DropCommits>(d => _commitsToDrop = d.Count);
        Receive<CommitOffsets>(c =>
        {
            if (TakeOne(ref _commitsToDrop))
            {
                _offsetEvents.Add($"dropped commit {c.Group}");
                return;
            }
            foreach (var o in c.Offsets)
            {
                _committed[(c.Group, o.Topic, o.QueueId)] = o.Offset;
                _offsetEvents.Add($"commit {c.Group} {o.Topic} {o.QueueId} {o.Offset}");
                _lockEvents.Add($"commit {o.Topic}:{o.QueueId}@{o.Offset}");
            }
        });
        Receive<ConsumerOffsetsAdopted>(a => _offsetEvents.Add($"adopted {a.Group} {a.Topic} {a.Epoch}"));
        Receive<GetConsumerActors>(_ => Sender.Tell(_consumerActors.ToArray()));
        Receive<GetOffsetEvents>(_ => Sender.Tell(_offsetEvents.ToArray()));
        Receive<GetState>(_ => Sender.Tell(new State(
            _requests.ToArray(),
            _stored.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<PulledMessage>)kv.Value.ToArray()),
            _consumers.ToArray(),
            new Dictionary<(string, string, int), long>(_committed),
            _heartbeats, _unregistrations, _pulls, _sendBacks.ToArray())));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Whether this question is one of those to lose (<see cref="DropQueries"/>).</summary>
    private bool DropQuery() => TakeOne(ref _queriesToDrop);

    /// <summary>Counts one of the <paramref name="left"/> messages still to lose; false when none is left.</summary>
    private static bool TakeOne(ref int left)
    {
        if (left == 0) return false;
        left--;
        return true;
    }

    private void AnswerOffsetQuestion(object answer)
    {
        if (_offsetDelay is not { } delay) return;
        if (delay == TimeSpan.Zero) Sender.Tell(answer);
        else Timers.StartSingleTimer(("answer", ++_heldSerial), new AnswerLater(Sender, answer), delay);
    }

    private long Count(string topic, int queueId) => _stored.TryGetValue((topic, queueId), out var l) ? l.Count : 0;

    private ProduceResponse Answer(ProduceRequest request)
    {
        var results = new ProduceResult[request.Messages.Length];
        for (int i = 0; i < results.Length; i++)
        {
            var m = request.Messages[i];
            if (_failWith is { } status)
            {
                results[i] = new ProduceResult(status, m.QueueId, -1, -1, 0, $"{_name}: disk is full (test)");
                continue;
            }
            var key = (m.Topic, m.QueueId);
            if (!_stored.TryGetValue(key, out var list)) _stored[key] = list = new List<PulledMessage>();
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            list.Add(new PulledMessage(list.Count, _physical, m.BornTimestamp, now, 0, m.Flag, m.Properties, m.Body));
            _slave?.Tell(new Replicated(m.Topic, m.QueueId, list[^1]));
            results[i] = new ProduceResult(ProduceStatus.Ok, m.QueueId, list.Count - 1, _physical, now, null);
            _physical += m.Body.Length;
        }
        if (_failWith is null) WakeHeldPulls();
        return new ProduceResponse(request.RequestId, results);
    }

    private SendBackResult SendBack(ConsumerSendBack request)
    {
        if (_sendBackAnswer == SendBackAnswer.Refuse) return new SendBackResult(request.RequestId, false, null, $"{_name}: refused (test)");
        var (topic, original) = _stored.SelectMany(kv => kv.Value.Select(m => (kv.Key.Item1, m))).First(s => s.m.PhysicalOffset == request.PhysicalOffset);
        var properties = Rocket.Protocol.MessageProperties.Decode(original.Properties);
        properties.TryAdd(Rocket.Protocol.MessageProperties.RetryTopic, topic);
        string retryTopic = SystemTopics.RetryTopic(request.Group);
        if (!_stored.TryGetValue((retryTopic, 0), out var list)) _stored[(retryTopic, 0)] = list = new List<PulledMessage>();
        list.Add(original with
        {
            QueueOffset = list.Count, PhysicalOffset = _physical++, ReconsumeTimes = original.ReconsumeTimes + 1,
            Properties = Rocket.Protocol.MessageProperties.Encode(properties),
        });
        WakeHeldPulls();
        return new SendBackResult(request.RequestId, true, retryTopic, null);
    }

    private void WakeHeldPulls()
    {
        foreach (var held in _heldPulls.ToArray())
            if (TryAnswerPull(held.Sender, held.Request)) _heldPulls.Remove(held);
    }

    private bool TryAnswerPull(IActorRef sender, PullRequest p)
    {
        var list = _stored.GetValueOrDefault((p.Topic, p.QueueId)) ?? [];
        if (p.Offset > list.Count)
        {
            sender.Tell(new PullResponse(p.RequestId, PullStatus.OffsetIllegal, p.Topic, p.QueueId, list.Count, 0, list.Count, []));
            return true;
        }
        if (p.Offset == list.Count) return false;
        var scanned = list.Skip((int)p.Offset).Take(p.MaxCount).ToArray();
        // As a real broker does: the exact tag check (or the SQL92 condition) is the broker's (clients trust it).
        var filter = Rocket.Protocol.Filtering.SubscriptionFilter.Compile(p.FilterType, p.FilterExpression);
        var found = scanned.Where(m => filter.Sql?.Matches(m.Properties) ?? filter.Tags!.Matches(Rocket.Protocol.MessageProperties.Get(m.Properties, "TAGS"))).ToArray();
        sender.Tell(new PullResponse(p.RequestId, found.Length > 0 ? PullStatus.Found : PullStatus.NoMatchedMessage, p.Topic, p.QueueId,
            p.Offset + scanned.Length, 0, list.Count, found, SuggestBrokerId: _suggest));
        return true;
    }
}
