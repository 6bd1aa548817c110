using System.Net;
using Akka.Actor;
using Rocket.Broker.Metadata;
using Rocket.Broker.Replication;
using Rocket.Broker.Timer;
using Rocket.Broker.Retry;
using Rocket.Broker.Schedule;
using Rocket.Broker.TopicDeletion;
using Rocket.Broker.Transaction;
using Rocket.Protocol;
using Rocket.Store.Format;
using Rocket.Store;
using Rocket.Store.Log;

namespace Rocket.Broker.Produce;

/// <summary>
/// The broker's write path: validates each <see cref="ProduceRequest"/> against the topic table, hands the accepted
/// messages to the journal and answers the producer with per-message results once the journal (and its flush policy)
/// has answered. A coalesced request carries messages of several topics; each topic is judged on its own: an unknown
/// topic fails (auto-create off) or waits for its creation (auto-create on) without holding back the other topics,
/// whose messages are written at once. Topics being deleted are held (see <see cref="HoldTopic"/>). Requests that
/// come before the broker's topic table has been recovered wait for it, rather than being judged against nothing.
/// <para>What one message accepts goes to the journal as one batch when the message has been handled: the requests
/// one socket read brought (<see cref="ChannelProduceRequests"/>) cost the journal one append and one answer, and a
/// lone request is sent on at once, with no extra mailbox turn.</para>
/// <para>The broker runs it on the journal's dispatcher (its own thread by default), so the append's answer comes back
/// without waking a thread-pool worker, and nothing it does blocks.</para>
/// </summary>
public sealed class ProduceActor : ReceiveActor, IWithUnboundedStash
{
    /// <summary>One request being answered: its results fill in as its parts are written or refused.</summary>
    private sealed class Request(IActorRef replyTo, ProduceRequest message, IPEndPoint? channelBornHost)
    {
        public IActorRef ReplyTo { get; } = replyTo;
        /// <summary>The client's socket address when the request came over the data channel; null otherwise.</summary>
        public IPEndPoint? ChannelBornHost { get; } = channelBornHost;
        public ProduceRequest Message { get; } = message;
        public ProduceResult[] Results { get; } = new ProduceResult[message.Messages.Length];
        public int Unanswered { get; set; } = message.Messages.Length;
        /// <summary>Messages stored somewhere other than where they were sent (a retry-topic message due for the DLQ).</summary>
        private Dictionary<int, WireMessage>? _redirects;

        /// <summary>Message <paramref name="index"/> as it is stored.</summary>
        public WireMessage At(int index) => _redirects is not null && _redirects.TryGetValue(index, out var m) ? m : Message.Messages[index];

        public WireMessage Redirect(int index, WireMessage to) => (_redirects ??= new())[index] = to;
    }

    /// <summary>Records the broker built itself (<see cref="AppendInternal"/>) on their way through the journal.</summary>
    private sealed record InternalPart(IActorRef ReplyTo, long RequestId, AppendResult[] Results, int[] Indexes);

    /// <summary>Messages of one request (by index) that are written together or wait for their topic together.</summary>
    private sealed record Part(Request Request, int[] Indexes);

    private readonly BrokerSettings _settings;
    private IActorRef _journal;
    private readonly IActorRef _topicsActor;
    private readonly BrokerRoleState _role;
    private readonly IActorRef _replication;
    /// <summary>Journal batches out, with the parts whose messages they carry, in the batch's order.</summary>
    private readonly Dictionary<long, Part[]> _batches = new();
    /// <summary>Parts accepted while handling the current message, and their messages in the same order.</summary>
    private readonly List<Part> _acceptedParts = new();
    private readonly List<MessageToStore> _accepted = new();
    private readonly Dictionary<long, InternalPart> _internalBatches = new();
    private readonly Dictionary<string, List<Part>> _awaitingTopic = new(StringComparer.Ordinal);
    private readonly HashSet<string> _held = new(StringComparer.Ordinal); // topics whose delete is in progress
    private IReadOnlyDictionary<string, TopicConfig> _topics = new Dictionary<string, TopicConfig>();
    private long _nextBatchId;
    private readonly TimeSpan _replicationTimeout;

    /// <param name="journal">The store actor; the journal behind it is asked for at start.</param>
    /// <param name="role">The broker's run-time role (a slave refuses writes; SYNC_MASTER waits for its slaves).</param>
    /// <param name="replication">The replication source: woken on appends, and SYNC_MASTER's wait list.</param>
    public ProduceActor(BrokerSettings settings, IActorRef journal, IActorRef topicsActor, BrokerRoleState? role, IActorRef? replication)
    {
        _settings = settings;
        _role = role ?? new BrokerRoleState(settings.BrokerRole, 0);
        _replication = replication ?? ActorRefs.Nobody;
        _replicationTimeout = settings.Replication.SlaveTimeout;
        _journal = journal;
        _topicsActor = topicsActor;
        Receive<TopicTableChanged>(changed =>
        {
            OnTopics(changed);
            Stash.UnstashAll();
            Become(Serving);
        });
        Receive<ProduceRequest>(_ => Stash.Stash());
        Receive<ChannelProduceRequests>(_ => Stash.Stash());
        Receive<AppendInternal>(_ => Stash.Stash());
        Receive<HoldTopic>(OnHold);
        Receive<ReleaseTopic>(OnRelease);
        Receive<IActorRef>(journal => _journal = journal);
    }

    public IStash Stash { get; set; } = null!;

    private void Serving()
    {
        Receive<TopicTableChanged>(OnTopics);
        Receive<ProduceRequest>(r => Handle(r, Sender, null));
        Receive<ChannelProduceRequests>(r =>
        {
            foreach (var request in r.Requests) Handle(request, Sender, r.BornHost);
        });
        Receive<AppendInternal>(r => AppendInternal(r, Sender));
        Receive<BatchAppended>(OnAppended);
        Receive<ReplicatedBatch>(OnReplicated);
        Receive<TopicEnsured>(OnTopicEnsured);
        Receive<HoldTopic>(OnHold);
        Receive<ReleaseTopic>(OnRelease);
        Receive<IActorRef>(journal => _journal = journal); // the store actor's answer to GetJournal
    }

    /// <summary>Whatever the message was, what it accepted leaves for the journal now, as one batch.</summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        bool handled = base.AroundReceive(receive, message);
        SendAccepted();
        return handled;
    }

    /// <summary>Batches go to the store actor (which forwards them) until the journal itself is known: one hop less after that.</summary>
    protected override void PreStart() => _journal.Tell(GetJournal.Instance);

    public static Props Props(BrokerSettings settings, IActorRef journal, IActorRef topics, BrokerRoleState? role = null,
        IActorRef? replication = null) =>
        Akka.Actor.Props.Create(() => new ProduceActor(settings, journal, topics, role, replication));

    private void OnTopics(TopicTableChanged changed)
    {
        _topics = changed.Topics;
        foreach (var topic in _awaitingTopic.Keys.Where(t => _topics.ContainsKey(t) && !_held.Contains(t)).ToArray()) Retry(topic);
    }

    private void OnTopicEnsured(TopicEnsured ensured)
    {
        if (ensured.Topic is { } config)
        {
            _topics = new Dictionary<string, TopicConfig>(_topics) { [config.Name] = config };
            if (!_held.Contains(config.Name)) Retry(ensured.Name);
            return;
        }
        if (!_awaitingTopic.Remove(ensured.Name, out var waiting)) return;
        foreach (var part in waiting)
            Fail(part, ProduceStatus.TopicNotExist, $"topic '{ensured.Name}' could not be created: {ensured.Error}");
    }

    /// <summary>
    /// A delete of the topic starts: from now on its messages wait (auto-create on: they go to the topic's next,
    /// empty life) or fail (auto-create off), so none is written between the delete and its tombstone.
    /// </summary>
    private void OnHold(HoldTopic hold)
    {
        _held.Add(hold.Topic);
        Sender.Tell(new TopicHeld(hold.Topic));
    }

    private void OnRelease(ReleaseTopic release)
    {
        _held.Remove(release.Topic);
        // The table without the topic may still be on its way from the topic actor: do not wait for it.
        if (release.Deleted && _topics.ContainsKey(release.Topic))
        {
            var copy = new Dictionary<string, TopicConfig>(_topics);
            copy.Remove(release.Topic);
            _topics = copy;
        }
        if (!_awaitingTopic.TryGetValue(release.Topic, out var waiting)) return;
        if (_topics.ContainsKey(release.Topic)) Retry(release.Topic);
        else if (_settings.AutoCreateTopicEnable) _topicsActor.Tell(new EnsureTopic(release.Topic, _settings.DefaultTopicQueueNums));
        else
        {
            _awaitingTopic.Remove(release.Topic);
            foreach (var part in waiting) Fail(part, ProduceStatus.TopicNotExist, NotExist(release.Topic));
        }
    }

    private void Retry(string topic)
    {
        if (!_awaitingTopic.Remove(topic, out var waiting)) return;
        foreach (var part in waiting) Place(part.Request, part.Indexes);
    }

    private void Handle(ProduceRequest request, IActorRef replyTo, IPEndPoint? channelBornHost)
    {
        var pending = new Request(replyTo, request, channelBornHost);
        if (_role.WriteRefusal(_settings.BrokerName, _settings.BrokerId) is { } error)
        {
            for (int i = 0; i < request.Messages.Length; i++) SetResult(pending, i, Failed(ProduceStatus.ServiceNotAvailable, request.Messages[i].QueueId, error));
            ReplyIfDone(pending);
            return;
        }
        var all = new int[request.Messages.Length];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        Place(pending, all);
    }

    /// <summary>
    /// Judges each message by its own topic: refused now, written now (one batch for all of them), or parked until
    /// its topic exists. <paramref name="indexes"/> becomes the batch's index list when every message is written.
    /// </summary>
    private void Place(Request request, int[] indexes)
    {
        int accepted = 0;
        Dictionary<string, List<int>>? waiting = null;
        for (int k = 0; k < indexes.Length; k++)
        {
            int i = indexes[k];
            var m = request.At(i);
            if (m.Topic is null)
            {
                SetResult(request, i, Failed(ProduceStatus.MessageIllegal, m.QueueId, "message has no topic"));
                continue;
            }
            if (SystemTopics.IsInternal(m.Topic))
            {
                SetResult(request, i, Failed(ProduceStatus.NoPermission, m.QueueId, InternalTopicRefusals.Send(m.Topic, _settings.BrokerName)));
                continue;
            }
            if (SystemTopics.IsRetryTopic(m.Topic))
            {
                if (DirectRetrySend.DeadLetterInstead(m, out var illegal) is { } deadLetter) m = request.Redirect(i, deadLetter);
                else if (illegal is not null)
                {
                    SetResult(request, i, Failed(ProduceStatus.MessageIllegal, m.QueueId, $"{illegal}; broker {_settings.BrokerName} did not store the message"));
                    continue;
                }
            }
            if (!_held.Contains(m.Topic) && _topics.TryGetValue(m.Topic, out var topic))
            {
                if (Reject(m, topic) is { } rejection) SetResult(request, i, rejection);
                else indexes[accepted++] = i; // compacts in place: k >= accepted
                continue;
            }
            if (!_settings.AutoCreateTopicEnable && !IsRetryOrDeadLetter(m.Topic))
            {
                SetResult(request, i, Failed(ProduceStatus.TopicNotExist, m.QueueId,
                    _held.Contains(m.Topic) ? $"topic '{m.Topic}' is being deleted on broker {_settings.BrokerName}" : NotExist(m.Topic)));
                continue;
            }
            waiting ??= new Dictionary<string, List<int>>(StringComparer.Ordinal);
            if (!waiting.TryGetValue(m.Topic, out var list)) waiting[m.Topic] = list = new List<int>();
            list.Add(i);
        }
        if (waiting is not null)
            foreach (var (topic, list) in waiting) Park(topic, new Part(request, list.ToArray()));
        if (accepted > 0) Append(new Part(request, accepted == indexes.Length ? indexes : indexes[..accepted]));
        ReplyIfDone(request);
    }

    /// <summary>Waits for the topic: asks for its creation unless a creation or a delete of it is already under way.</summary>
    private void Park(string topic, Part part)
    {
        if (!_awaitingTopic.TryGetValue(topic, out var parked))
        {
            _awaitingTopic[topic] = parked = new List<Part>();
            // RocketMQ creates retry and dead-letter topics with one queue, whatever auto-create says.
            if (!_held.Contains(topic)) _topicsActor.Tell(new EnsureTopic(topic, IsRetryOrDeadLetter(topic) ? 1 : _settings.DefaultTopicQueueNums));
        }
        parked.Add(part);
    }

    /// <summary>Queues the part's messages for the journal batch this message's handling ends with (<see cref="AroundReceive"/>).</summary>
    private void Append(Part part)
    {
        var bornHost = part.Request.ChannelBornHost ?? BornHostOf(part.Request.ReplyTo.Path.Address);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (int index in part.Indexes)
        {
            var m = part.Request.At(index);
            var toStore = DelayLevelRewrite.Park(HalfMessage.ParkIfHalf(new MessageToStore(m.Topic, m.QueueId, m.Body ?? [], m.Properties, m.Flag,
                BornTimestamp: m.BornTimestamp, BornHost: bornHost, ReconsumeTimes: DirectRetrySend.ReconsumeTimes(m))));
            if (TimerParking.DueOf(m.Properties, _settings.Timer, now).DueMs is { } due) toStore = TimerParking.Park(toStore, due, now);
            _accepted.Add(toStore);
        }
        _acceptedParts.Add(part);
    }

    private void SendAccepted()
    {
        if (_acceptedParts.Count == 0) return;
        long batchId = ++_nextBatchId;
        _batches[batchId] = _acceptedParts.ToArray();
        _journal.Tell(new AppendBatch(batchId, _accepted.ToArray()));
        _acceptedParts.Clear();
        _accepted.Clear();
    }

    /// <summary>Records the broker built itself: judged like producers' messages, except that their topic must exist.</summary>
    private void AppendInternal(AppendInternal request, IActorRef replyTo)
    {
        var results = new AppendResult[request.Messages.Length];
        if (_role.WriteRefusal(_settings.BrokerName, _settings.BrokerId) is { } slave)
        {
            Array.Fill(results, AppendResult.Failed(AppendStatus.ServiceNotAvailable, slave));
            replyTo.Tell(new InternalAppended(request.RequestId, results));
            return;
        }
        var accepted = new List<int>(request.Messages.Length);
        for (int i = 0; i < results.Length; i++)
        {
            var m = request.Messages[i];
            string? error = _held.Contains(m.Topic) ? $"topic '{m.Topic}' is being deleted on broker {_settings.BrokerName}"
                : !_topics.TryGetValue(m.Topic, out var topic) ? $"topic '{m.Topic}' does not exist on broker {_settings.BrokerName}"
                : (topic.Perm & TopicPerm.Write) == 0 ? $"topic '{m.Topic}' is not writable on broker {_settings.BrokerName}"
                : m.QueueId < 0 || m.QueueId >= topic.WriteQueues ? $"queue {m.QueueId} of topic '{m.Topic}' does not exist on broker {_settings.BrokerName}"
                : null;
            if (error is null) accepted.Add(i);
            else results[i] = AppendResult.Failed(AppendStatus.MessageIllegal, error);
        }
        if (accepted.Count == 0)
        {
            replyTo.Tell(new InternalAppended(request.RequestId, results));
            return;
        }
        var toStore = new MessageToStore[accepted.Count];
        for (int j = 0; j < toStore.Length; j++) toStore[j] = DelayLevelRewrite.Park(request.Messages[accepted[j]]); // a retry waits its level
        long batchId = ++_nextBatchId;
        _internalBatches[batchId] = new InternalPart(replyTo, request.RequestId, results, accepted.ToArray());
        _journal.Tell(new AppendBatch(batchId, toStore));
    }

    private static bool IsRetryOrDeadLetter(string topic) => SystemTopics.IsRetryTopic(topic) || SystemTopics.IsDeadLetterTopic(topic);

    private ProduceResult? Reject(WireMessage m, TopicConfig topic)
    {
        if ((topic.Perm & TopicPerm.Write) == 0)
            return Failed(ProduceStatus.NoPermission, m.QueueId, $"topic '{m.Topic}' is not writable on broker {_settings.BrokerName}");
        if (m.QueueId < 0 || m.QueueId >= topic.WriteQueues)
            return Failed(ProduceStatus.QueueIdIllegal, m.QueueId,
                $"queue {m.QueueId} of topic '{m.Topic}' does not exist on broker {_settings.BrokerName} (write queues: {topic.WriteQueues})");
        // A property asking for a feature that is missing or misused would otherwise be stored as a plain message and
        // delivered at once: refuse it. One wording for every parking feature (unsupported, timer, half, delay).
        var refusal = UnsupportedFeatures.RefusalIn(m.Properties)
            ?? TimerParking.DueOf(m.Properties, _settings.Timer).Refusal
            ?? HalfMessage.Refusal(m.Properties)
            ?? DelayLevelRewrite.Refusal(m.Properties, _settings.MessageDelayLevel);
        return refusal is null ? null
            : Failed(ProduceStatus.MessageIllegal, m.QueueId, $"{refusal}; broker {_settings.BrokerName} did not store the message");
    }

    private string NotExist(string topic) =>
        $"topic '{topic}' does not exist on broker {_settings.BrokerName} and auto-create-topic-enable is off";

    private void OnAppended(BatchAppended appended)
    {
        if (_role.HasSlaves) _replication.Tell(LogAppended.Instance); // slaves get the new bytes now, not at a poll
        // SYNC_MASTER: a producer's batch is answered once enough slaves hold its bytes (the source answers in order).
        if (_role.Role == BrokerRole.SyncMaster && _batches.ContainsKey(appended.BatchId) && EndOf(appended.Results) is { } end)
        {
            if (_replication.IsNobody())
                Complete(appended, ProduceStatus.SlaveNotAvailable, $"broker {_settings.BrokerName} is SYNC_MASTER but runs no replication; the message is stored on the master only");
            else _replication.Tell(new AwaitReplicas(end, Self, appended, DateTimeOffset.UtcNow + _replicationTimeout));
            return;
        }
        Complete(appended, ProduceStatus.Ok, null);
    }

    /// <summary>The end offset of the batch's stored messages; null when none was stored.</summary>
    private static long? EndOf(AppendResult[] results)
    {
        long? end = null;
        foreach (ref readonly var r in results.AsSpan())
            if (r.IsOk) end = Math.Max(end ?? 0, r.PhysicalOffset + r.Size);
        return end;
    }

    private void OnReplicated(ReplicatedBatch replicated) => Complete(replicated.Appended, replicated.Status, replicated.Error);

    /// <summary>Answers a batch; <paramref name="replication"/> replaces the status of its stored messages unless Ok.</summary>
    private void Complete(BatchAppended appended, ProduceStatus replication, string? replicationError)
    {
        if (_internalBatches.Remove(appended.BatchId, out var internalPart))
        {
            for (int j = 0; j < appended.Results.Length; j++) internalPart.Results[internalPart.Indexes[j]] = appended.Results[j];
            internalPart.ReplyTo.Tell(new InternalAppended(internalPart.RequestId, internalPart.Results));
            return;
        }
        if (!_batches.Remove(appended.BatchId, out var parts)) return;
        int next = 0; // the batch's results are its parts' messages, part after part
        foreach (var part in parts)
        {
            var request = part.Request;
            foreach (int i in part.Indexes)
            {
                var r = appended.Results[next++];
                // The store does not know which broker it serves: name it, so a producer of many brokers knows which one refused.
                string? error = r.Status == AppendStatus.ServiceNotAvailable ? $"broker {_settings.BrokerName}: {r.Error}" : r.Error;
                var status = Map(r.Status);
                if (status == ProduceStatus.Ok && replication != ProduceStatus.Ok) (status, error) = (replication, replicationError);
                SetResult(request, i, new ProduceResult(status, request.At(i).QueueId, r.QueueOffset, r.PhysicalOffset, r.StoreTimestamp, error));
            }
            ReplyIfDone(request);
        }
    }

    private void Fail(Part part, ProduceStatus status, string error)
    {
        foreach (int i in part.Indexes) SetResult(part.Request, i, Failed(status, part.Request.Message.Messages[i].QueueId, error));
        ReplyIfDone(part.Request);
    }

    private static void SetResult(Request request, int index, ProduceResult result)
    {
        request.Results[index] = result;
        request.Unanswered--;
    }

    private static void ReplyIfDone(Request request)
    {
        if (request.Unanswered == 0) request.ReplyTo.Tell(new ProduceResponse(request.Message.RequestId, request.Results));
    }

    private static ProduceStatus Map(AppendStatus status) => status switch
    {
        AppendStatus.Ok => ProduceStatus.Ok,
        AppendStatus.FlushDiskTimeout => ProduceStatus.FlushDiskTimeout,
        AppendStatus.FlushDiskFailed => ProduceStatus.FlushDiskFailed,
        AppendStatus.MessageIllegal => ProduceStatus.MessageIllegal,
        AppendStatus.PropertiesSizeExceeded => ProduceStatus.MessageIllegal,
        AppendStatus.ServiceNotAvailable => ProduceStatus.ServiceNotAvailable,
        _ => ProduceStatus.UnknownError,
    };

    private static ProduceResult Failed(ProduceStatus status, int queueId, string error) => new(status, queueId, -1, -1, 0, error);

    /// <summary>The producer's address as RocketMQ's born host, when it is an IP endpoint; parsed once per producer.</summary>
    private IPEndPoint? BornHostOf(Address address)
    {
        if (_bornHosts.TryGetValue(address, out var known)) return known;
        var host = address.Host is { } h && address.Port is { } port && IPAddress.TryParse(h, out var ip) ? new IPEndPoint(ip, port) : null;
        if (_bornHosts.Count > 10_000) _bornHosts.Clear(); // bounded: producers come and go
        return _bornHosts[address] = host;
    }

    private readonly Dictionary<Address, IPEndPoint?> _bornHosts = new();
}
