using System.Net;
using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Metadata;
using Rocket.Protocol;
using Rocket.Store.Format;
using Rocket.Store;
using Rocket.Store.Log;

namespace Rocket.Broker.Produce;

/// <summary>
/// The broker's write path: validates each <see cref="ProduceRequest"/> against the topic table (creating topics on
/// first send when auto-create is on), hands the accepted messages to the journal as one batch and answers the
/// producer with per-message results once the journal (and its flush policy) has answered.
/// </summary>
public sealed class ProduceActor : ReceiveActor
{
    private sealed record Pending(IActorRef ReplyTo, long RequestId, WireMessage[] Messages, ProduceResult[] Results, int[] StoredIndexes);

    private readonly BrokerSettings _settings;
    private IActorRef _journal;
    private readonly IActorRef _topicsActor;
    private readonly Dictionary<long, Pending> _pending = new();
    private readonly Dictionary<string, List<(ProduceRequest Request, IActorRef ReplyTo)>> _awaitingTopic = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IReadOnlyDictionary<string, TopicConfig> _topics = new Dictionary<string, TopicConfig>();
    private long _nextBatchId;

    /// <param name="journal">The store actor; the journal behind it is asked for at start.</param>
    public ProduceActor(BrokerSettings settings, IActorRef journal, IActorRef topicsActor)
    {
        _settings = settings;
        _journal = journal;
        _topicsActor = topicsActor;
        Receive<TopicTableChanged>(OnTopics);
        Receive<ProduceRequest>(r => Handle(r, Sender));
        Receive<BatchAppended>(OnAppended);
        Receive<TopicEnsured>(OnTopicEnsured);
        Receive<IActorRef>(journal => _journal = journal); // the store actor's answer to GetJournal
    }

    /// <summary>Batches go to the store actor (which forwards them) until the journal itself is known: one hop less after that.</summary>
    protected override void PreStart() => _journal.Tell(GetJournal.Instance);

    public static Props Props(BrokerSettings settings, IActorRef journal, IActorRef topics) =>
        Akka.Actor.Props.Create(() => new ProduceActor(settings, journal, topics));

    private void OnTopics(TopicTableChanged changed)
    {
        _topics = changed.Topics;
        foreach (var topic in _awaitingTopic.Keys.Where(_topics.ContainsKey).ToArray()) Retry(topic);
    }

    private void OnTopicEnsured(TopicEnsured ensured)
    {
        if (ensured.Topic is { } config)
        {
            var copy = new Dictionary<string, TopicConfig>(_topics) { [config.Name] = config };
            _topics = copy;
            Retry(ensured.Name);
            return;
        }
        if (!_awaitingTopic.Remove(ensured.Name, out var waiting)) return;
        foreach (var (request, replyTo) in waiting)
            replyTo.Tell(FailAll(request, ProduceStatus.TopicNotExist, $"topic '{ensured.Name}' could not be created: {ensured.Error}"));
    }

    private void Retry(string topic)
    {
        if (!_awaitingTopic.Remove(topic, out var waiting)) return;
        foreach (var (request, replyTo) in waiting) Handle(request, replyTo);
    }

    private void Handle(ProduceRequest request, IActorRef replyTo)
    {
        if (!_settings.IsMaster)
        {
            replyTo.Tell(FailAll(request, ProduceStatus.ServiceNotAvailable,
                $"broker {_settings.BrokerName} #{_settings.BrokerId} is a slave and does not accept writes"));
            return;
        }

        // Unknown topics: park the request and create the topic (auto-create) or reject it.
        foreach (var message in request.Messages)
        {
            if (message.Topic is null || _topics.ContainsKey(message.Topic)) continue;
            if (!_settings.AutoCreateTopicEnable)
            {
                replyTo.Tell(FailAll(request, ProduceStatus.TopicNotExist,
                    $"topic '{message.Topic}' does not exist on broker {_settings.BrokerName} and auto-create-topic-enable is off"));
                return;
            }
            if (!_awaitingTopic.TryGetValue(message.Topic, out var list))
            {
                _awaitingTopic[message.Topic] = list = new();
                _topicsActor.Tell(new EnsureTopic(message.Topic, _settings.DefaultTopicQueueNums));
            }
            list.Add((request, replyTo));
            return;
        }

        var results = new ProduceResult[request.Messages.Length];
        var toStore = new List<MessageToStore>(request.Messages.Length);
        var storedIndexes = new List<int>(request.Messages.Length);
        var bornHost = BornHostOf(replyTo.Path.Address);
        for (int i = 0; i < request.Messages.Length; i++)
        {
            var m = request.Messages[i];
            if (Reject(m) is { } rejection)
            {
                results[i] = rejection;
                continue;
            }
            toStore.Add(new MessageToStore(m.Topic, m.QueueId, m.Body ?? [], m.Properties, m.Flag,
                BornTimestamp: m.BornTimestamp, BornHost: bornHost));
            storedIndexes.Add(i);
        }
        if (toStore.Count == 0)
        {
            replyTo.Tell(new ProduceResponse(request.RequestId, results));
            return;
        }
        long batchId = ++_nextBatchId;
        _pending[batchId] = new Pending(replyTo, request.RequestId, request.Messages, results, storedIndexes.ToArray());
        _journal.Tell(new AppendBatch(batchId, toStore.ToArray()));
    }

    private ProduceResult? Reject(WireMessage m)
    {
        var topic = _topics[m.Topic];
        if ((topic.Perm & TopicPerm.Write) == 0)
            return Failed(ProduceStatus.NoPermission, m.QueueId, $"topic '{m.Topic}' is not writable on broker {_settings.BrokerName}");
        if (m.QueueId < 0 || m.QueueId >= topic.WriteQueues)
            return Failed(ProduceStatus.QueueIdIllegal, m.QueueId,
                $"queue {m.QueueId} of topic '{m.Topic}' does not exist on broker {_settings.BrokerName} (write queues: {topic.WriteQueues})");
        return null;
    }

    private void OnAppended(BatchAppended appended)
    {
        if (!_pending.Remove(appended.BatchId, out var pending)) return;
        for (int j = 0; j < appended.Results.Length; j++)
        {
            var r = appended.Results[j];
            int i = pending.StoredIndexes[j];
            pending.Results[i] = new ProduceResult(Map(r.Status), pending.Messages[i].QueueId, r.QueueOffset, r.PhysicalOffset, r.StoreTimestamp, r.Error);
        }
        pending.ReplyTo.Tell(new ProduceResponse(pending.RequestId, pending.Results));
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

    private static ProduceResponse FailAll(ProduceRequest request, ProduceStatus status, string error) =>
        new(request.RequestId, request.Messages.Select(m => Failed(status, m.QueueId, error)).ToArray());

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
