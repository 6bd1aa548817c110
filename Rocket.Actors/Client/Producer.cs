using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Event;
using Rocket.Client.Producing;
using Rocket.Client.Routing;
using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>
/// Sends messages. Thread-safe; cheap to create. Queues are picked round-robin over the masters' writable queues;
/// a failed send is retried (retry-times-when-send-failed) on another broker when there is one. Each send goes
/// straight onto its broker's open data channel (rocket.client.direct-sends); without one, concurrent sends to a
/// broker are coalesced into one remote request by the client's per-broker sender actor.
/// </summary>
public sealed class Producer
{
    private readonly RocketClient _client;
    private readonly ClientSettings _settings;
    private int _nextQueue = Random.Shared.Next(1024);

    // A broker that just failed a send is avoided for a while when others can take the message (RocketMQ's
    // latency fault tolerance, simplified).
    private static readonly TimeSpan BrokerIsolation = TimeSpan.FromSeconds(10);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTime> _isolated = new();

    internal Producer(RocketClient client, string group)
    {
        _client = client;
        _settings = client.Settings;
        Group = group;
    }

    /// <summary>The producer group (informational).</summary>
    public string Group { get; }

    /// <summary>Sends and waits for the broker's verdict (RocketMQ's sync send).</summary>
    /// <exception cref="RocketClientException">The message is invalid (nothing was sent) or no seed is reachable.</exception>
    /// <exception cref="RocketSendException">No attempt stored the message; the text names the broker's error.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Task<SendResult> SendAsync(Message message)
    {
        MessageValidator.Validate(message, _settings.MaxMessageSize, _settings.TimerMaxDelaySec);
        var id = MessageIdGenerator.Next();
        var properties = MessageValidator.EncodeProperties(message, id);
        var first = FirstChoice(message.Topic);
        WireMessage[] wire = [ToWire(message, properties, first?.Queue.QueueId ?? 0)];
        if (first is not { } chosen) return SendWithRetriesAsync(message.Topic, wire, id, null);
        // The usual case, a cached route: the first attempt is the send itself, answered by the broker sender without
        // an async method in between; retries, if it fails, take the general path.
        var deadline = DateTime.UtcNow + _settings.SendTimeout;
        var send = new FirstAttemptSend(this, message.Topic, wire, id, chosen.Queue, chosen.Queues.MasterPaths[chosen.Queue.BrokerName],
            deadline, AttemptDeadline(0, chosen.Queues, deadline));
        _client.Senders.For(chosen.Queue.BrokerName, send.BrokerPath).Send(send);
        return send.Task;
    }

    /// <summary>Sends and reports the outcome to <paramref name="callback"/> on a thread-pool thread (RocketMQ's async send).</summary>
    public void SendAsync(Message message, Action<SendResult?, Exception?> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Task<SendResult> send;
        try { send = SendAsync(message); }
        catch (Exception e) { send = Task.FromException<SendResult>(e); }
        send.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) callback(t.Result, null);
            else callback(null, t.Exception?.InnerException ?? t.Exception);
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>Sends without waiting for or reporting the outcome (RocketMQ's one-way send). Validation still throws.</summary>
    public void SendOneway(Message message)
    {
        MessageValidator.Validate(message, _settings.MaxMessageSize, _settings.TimerMaxDelaySec);
        var properties = MessageValidator.EncodeProperties(message, MessageIdGenerator.Next());
        var first = FirstChoice(message.Topic);
        _client.OneWaySends.Track(SendOnceAsync(message.Topic, ToWire(message, properties, first?.Queue.QueueId ?? 0), first));
    }

    /// <summary>Sends several messages of one topic as one unit to one queue.</summary>
    public Task<SendResult> SendBatchAsync(IReadOnlyList<Message> messages)
    {
        MessageValidator.ValidateBatch(messages, _settings.MaxMessageSize, _settings.TimerMaxDelaySec);
        var ids = new string[messages.Count];
        var properties = new string[messages.Count];
        for (int i = 0; i < messages.Count; i++)
        {
            ids[i] = MessageIdGenerator.Next();
            properties[i] = MessageValidator.EncodeProperties(messages[i], ids[i]);
        }
        var first = FirstChoice(messages[0].Topic);
        var wire = new WireMessage[messages.Count];
        for (int i = 0; i < messages.Count; i++) wire[i] = ToWire(messages[i], properties[i], first?.Queue.QueueId ?? 0);
        return SendWithRetriesAsync(messages[0].Topic, wire, string.Join(',', ids), first);
    }

    /// <summary>
    /// Sends to the queue <paramref name="selector"/> picks from the topic's writable queues (ordered messages:
    /// the same key always maps to the same queue). Not retried on another queue, since that would break order.
    /// </summary>
    public async Task<SendResult> SendAsync(
        Message message, Func<IReadOnlyList<MessageQueue>, Message, object?, MessageQueue> selector, object? arg)
    {
        ArgumentNullException.ThrowIfNull(selector);
        MessageValidator.Validate(message, _settings.MaxMessageSize, _settings.TimerMaxDelaySec);
        var id = MessageIdGenerator.Next();
        var properties = MessageValidator.EncodeProperties(message, id);
        long born = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var deadline = DateTime.UtcNow + _settings.SendTimeout;
        var queues = await QueuesAsync(message.Topic, refresh: false).ConfigureAwait(false);
        var chosen = selector(queues.Writable, message, arg)
            ?? throw new RocketClientException("the queue selector returned null");
        if (!queues.Writable.Contains(chosen))
            throw new RocketClientException($"the queue selector returned {chosen}, which is not a writable queue of topic '{message.Topic}'");
        var wire = new WireMessage(message.Topic, chosen.QueueId, message.Body, properties, 0, born);
        var brokerPath = queues.MasterPaths[chosen.BrokerName];
        var pending = PendingSend.Create([wire], deadline);
        ProduceResult[] results;
        try
        {
            _client.Senders.For(chosen.BrokerName, brokerPath).Send(pending);
            results = await pending.Task.ConfigureAwait(false);
        }
        catch (TimeoutException e) { throw NoAnswer(chosen, e); }
        return Rejection(results, chosen) is { } rejected ? throw rejected : ToSendResult(results, chosen, id, brokerPath);
    }

    /// <summary>
    /// Sends a half message (TRAN_MSG=true, PGROUP) for a <see cref="TransactionProducer"/>: the broker's result (where the
    /// half is stored, which END_TRANSACTION names), the queue and the path of the broker that stored it.
    /// </summary>
    internal async Task<(SendResult Send, ProduceResult Stored, string BrokerPath)> SendHalfAsync(Message message, string producerGroup)
    {
        var id = MessageIdGenerator.Next();
        var properties = MessageValidator.EncodeProperties(message, id,
            [new(MessageProperties.TransactionPrepared, "true"), new(MessageProperties.ProducerGroup, producerGroup)]);
        var first = FirstChoice(message.Topic);
        var send = await SendWithRetriesAsync(message.Topic, [ToWire(message, properties, first?.Queue.QueueId ?? 0)], id, first)
            .ConfigureAwait(false);
        return (send, send.Stored[0], send.BrokerPath!);
    }

    /// <summary>
    /// A queue of the cached route, picked before the message is built so that it is built once, with its queue id;
    /// null when the route is not cached yet (the first attempt then looks it up).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (TopicQueues Queues, MessageQueue Queue)? FirstChoice(string topic) =>
        _client.PublishedQueues.TryGetValue(topic, out var cached) && cached.Writable.Count > 0
            ? (cached, PickQueue(cached.Writable, null))
            : null;

    /// <summary>
    /// Sends with retries on other brokers. One method, so a send whose first attempt succeeds costs one async state
    /// machine: the attempt is awaited inline, and the retry bookkeeping runs only after a failure.
    /// </summary>
    /// <param name="wire">The messages, built for <paramref name="first"/>'s queue id (re-addressed when another queue is tried).</param>
    /// <param name="firstAttempt">Where to start: 0, or 1 after a <see cref="FirstAttemptSend"/> failed with <paramref name="lastError"/>
    /// on <paramref name="avoidBroker"/>.</param>
    internal async Task<SendResult> SendWithRetriesAsync(string topic, WireMessage[] wire, string messageId,
        (TopicQueues Queues, MessageQueue Queue)? first, int firstAttempt = 0, DateTime? sendDeadline = null,
        string? avoidBroker = null, Exception? lastError = null)
    {
        var deadline = sendDeadline ?? DateTime.UtcNow + _settings.SendTimeout;
        int attempts = Attempts;
        for (int attempt = firstAttempt; attempt < attempts && DateTime.UtcNow < deadline; attempt++)
        {
            TopicQueues queues;
            MessageQueue queue;
            if (attempt == 0 && first is { } chosen) (queues, queue) = chosen;
            else
            {
                queues = await QueuesAsync(topic, refresh: false).ConfigureAwait(false);
                queue = PickQueue(queues.Writable, avoidBroker);
            }
            var attemptDeadline = AttemptDeadline(attempt, queues, deadline);
            var brokerPath = queues.MasterPaths[queue.BrokerName];
            // The broker sender enforces the deadline: no timer per send.
            var pending = PendingSend.Create(Addressed(wire, queue.QueueId), attemptDeadline);
            Exception error;
            try
            {
                _client.Senders.For(queue.BrokerName, brokerPath).Send(pending);
                var results = await pending.Task.ConfigureAwait(false);
                var rejected = Rejection(results, queue);
                if (rejected is null) return ToSendResult(results, queue, messageId, brokerPath);
                error = rejected;
            }
            catch (TimeoutException e) { error = NoAnswer(queue, e); }
            catch (RocketSendException e) { error = e; }

            if (error is RocketSendException { Status: ProduceStatus.MessageIllegal }) throw error; // retrying cannot help
            lastError = error;
            avoidBroker = queue.BrokerName;
            AttemptFailed(topic, queue.BrokerName);
        }
        throw lastError is RocketSendException { } send && attempts == 1
            ? send
            : new RocketSendException(
                $"send to topic '{topic}' failed after {attempts} attempt(s) within {_settings.SendTimeout.TotalSeconds:0.###} s: {lastError?.Message ?? "send timeout"}",
                (lastError as RocketSendException)?.Status, lastError);
    }

    private int Attempts => 1 + _settings.RetryTimesWhenSendFailed;

    /// <summary>
    /// With other brokers to fail over to, each attempt gets an equal share of what is left, so a silent broker cannot
    /// use up every retry's time. With one broker a retry after a timeout would only store a duplicate of a message that
    /// is most likely on its way (RocketMQ does not retry a timeout either): one attempt gets all the time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private DateTime AttemptDeadline(int attempt, TopicQueues queues, DateTime deadline)
    {
        bool lastChance = attempt == Attempts - 1 || queues.SingleBroker;
        return lastChance ? deadline : DateTime.UtcNow + (deadline - DateTime.UtcNow) / (Attempts - attempt);
    }

    /// <summary>A broker that failed an attempt is avoided for a while, and the topic's route is asked for again.</summary>
    internal void AttemptFailed(string topic, string brokerName)
    {
        _isolated[brokerName] = DateTime.UtcNow + BrokerIsolation;
        _client.RouteCache.Tell(new RefreshRoute(topic));
    }

    /// <summary>The messages with <paramref name="queueId"/>: the same array when they already carry it (the usual first attempt).</summary>
    private static WireMessage[] Addressed(WireMessage[] wire, int queueId)
    {
        bool same = true;
        foreach (var m in wire) same &= m.QueueId == queueId;
        if (same) return wire;
        var addressed = new WireMessage[wire.Length];
        for (int i = 0; i < wire.Length; i++) addressed[i] = wire[i] with { QueueId = queueId };
        return addressed;
    }

    internal static RocketSendException NoAnswer(MessageQueue queue, TimeoutException e) =>
        new($"no answer from broker {queue.BrokerName} within the send timeout", null, e);

    /// <summary>The error for the first message the broker did not store, or null when it stored them all.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static RocketSendException? Rejection(ReadOnlySpan<ProduceResult> results, MessageQueue queue)
    {
        int failedAt = -1;
        for (int i = 0; i < results.Length && failedAt < 0; i++)
            if (!IsStored(results[i].Status)) failedAt = i;
        if (failedAt < 0) return null;
        var failed = results[failedAt];
        return new RocketSendException(
            $"broker {queue.BrokerName} rejected the message for {queue}: {Describe(failed.Status)}{(failed.Error is null ? "" : $" ({failed.Error})")}",
            failed.Status);
    }

    private ValueTask<TopicQueues> QueuesAsync(string topic, bool refresh) =>
        !refresh && _client.PublishedQueues.TryGetValue(topic, out var cached) && cached.Writable.Count > 0
            ? ValueTask.FromResult(cached)
            : new ValueTask<TopicQueues>(FetchQueuesAsync(topic, refresh));

    private async Task<TopicQueues> FetchQueuesAsync(string topic, bool refresh)
    {
        var answer = await _client.GetRouteAnswerAsync(topic, refresh).ConfigureAwait(false);
        var queues = TopicQueues.From(answer);
        if (queues.Writable.Count == 0)
            throw new RocketSendException(
                answer.Route is not null ? $"topic '{topic}' has no writable queue on a live master" + WithoutMaster(queues)
                : answer.UnreachableHolders is { Length: > 0 } holders
                    ? $"topic '{topic}' is on {(holders.Length == 1 ? "broker" : "brokers")} {string.Join(", ", holders)}, which {(holders.Length == 1 ? "is" : "are")} not reachable (stopped, paused or cut off); sends fail until {(holders.Length == 1 ? "it is" : "one is")} back"
                    : $"topic '{topic}' does not exist and no broker auto-creates topics; create it first",
                answer.UnreachableHolders is { Length: > 0 } && answer.Route is null ? ProduceStatus.ServiceNotAvailable : ProduceStatus.TopicNotExist);
        return queues;
    }

    /// <summary>Names the broker groups read from a slave: a slave takes no writes.</summary>
    private static string WithoutMaster(TopicQueues queues)
    {
        var names = queues.WithoutMaster.ToArray();
        return names.Length == 0 ? "" : $" (no live master in broker group {string.Join(", ", names)}; a slave serves reads only)";
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private MessageQueue PickQueue(IReadOnlyList<MessageQueue> writable, string? avoidBroker)
    {
        var now = DateTime.UtcNow;
        for (int tries = 0; tries < writable.Count; tries++)
        {
            var q = writable[(int)((uint)Interlocked.Increment(ref _nextQueue) % (uint)writable.Count)];
            if (q.BrokerName != avoidBroker && !(_isolated.TryGetValue(q.BrokerName, out var until) && until > now)) return q;
        }
        for (int tries = 0; tries < writable.Count; tries++)
        {
            var q = writable[(int)((uint)Interlocked.Increment(ref _nextQueue) % (uint)writable.Count)];
            if (q.BrokerName != avoidBroker) return q;
        }
        // Only one broker: retry on it anyway.
        return writable[(int)((uint)Interlocked.Increment(ref _nextQueue) % (uint)writable.Count)];
    }

    private async Task SendOnceAsync(string topic, WireMessage wire, (TopicQueues Queues, MessageQueue Queue)? first)
    {
        try
        {
            var (queues, queue) = first ?? await PickAsync(topic).ConfigureAwait(false);
            var pending = PendingSend.Create(Addressed([wire], queue.QueueId), DateTime.UtcNow + _settings.SendTimeout);
            _client.Senders.For(queue.BrokerName, queues.MasterPaths[queue.BrokerName]).Send(pending);
            // Awaited only so that disposing the client waits for it (OneWaySends); the outcome is not reported.
            await pending.Task.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _client.System.Log.Warning("one-way send to topic '{0}' was dropped: {1}", topic, e.Message);
        }
    }

    private async Task<(TopicQueues Queues, MessageQueue Queue)> PickAsync(string topic)
    {
        var queues = await QueuesAsync(topic, refresh: false).ConfigureAwait(false);
        return (queues, PickQueue(queues.Writable, null));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static WireMessage ToWire(Message message, string properties, int queueId) =>
        new(message.Topic, queueId, message.Body, properties, 0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private static bool IsStored(ProduceStatus status) => status is ProduceStatus.Ok or ProduceStatus.FlushDiskTimeout
        or ProduceStatus.FlushSlaveTimeout or ProduceStatus.SlaveNotAvailable;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static SendResult ToSendResult(ArraySegment<ProduceResult> results, MessageQueue queue, string messageId, string brokerPath)
    {
        var first = results[0];
        var notOk = ProduceStatus.Ok;
        foreach (var r in results.AsSpan())
            if (r.Status != ProduceStatus.Ok) { notOk = r.Status; break; }
        var status = notOk switch
        {
            ProduceStatus.FlushDiskTimeout => SendStatus.FlushDiskTimeout,
            ProduceStatus.FlushSlaveTimeout => SendStatus.FlushSlaveTimeout,
            ProduceStatus.SlaveNotAvailable => SendStatus.SlaveNotAvailable,
            _ => SendStatus.SendOk,
        };
        return new SendResult(status, messageId, queue.BrokerName, first.QueueId, first.QueueOffset, brokerPath, results);
    }

    private static string Describe(ProduceStatus status) => status switch
    {
        ProduceStatus.TopicNotExist => "topic does not exist",
        ProduceStatus.NoPermission => "no permission to write",
        ProduceStatus.MessageIllegal => "message illegal",
        ProduceStatus.ServiceNotAvailable => "service not available",
        ProduceStatus.FlushDiskFailed => "flushing to disk failed",
        ProduceStatus.QueueIdIllegal => "queue id illegal",
        _ => "unknown error",
    };
}
