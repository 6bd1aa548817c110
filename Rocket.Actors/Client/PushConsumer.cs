using Akka.Actor;
using Rocket.Client.Consuming;

namespace Rocket.Client;

/// <summary>
/// Receives messages through a handler (RocketMQ's push consumer, concurrent mode). Subscribe and register the
/// handler, then <see cref="StartAsync"/>. The handler runs on thread-pool threads, up to
/// <see cref="PushConsumerOptions.ConsumeThreads"/> at once; delivery is at least once.
/// </summary>
public sealed class PushConsumer : IAsyncDisposable
{
    private readonly RocketClient _client;
    private readonly PushConsumerOptions _options;
    private readonly int _instance;
    private int _starts;
    private readonly Dictionary<string, TagFilter> _subscriptions = new(StringComparer.Ordinal);
    private Func<IReadOnlyList<ReceivedMessage>, ConsumeResult>? _handler;
    private IActorRef? _actor;

    internal PushConsumer(RocketClient client, PushConsumerOptions options, int instance)
    {
        if (options.ConsumeThreads < 1) throw new RocketClientException("ConsumeThreads must be at least 1");
        if (options.ConsumeBatchSize < 1) throw new RocketClientException("ConsumeBatchSize must be at least 1");
        _client = client;
        _options = options;
        _instance = instance;
    }

    /// <summary>
    /// This consumer's id in its group: the client id plus the consumer's number, so that two consumers of one group
    /// in one process split the queues instead of both taking all of them (a classic RocketMQ pitfall).
    /// </summary>
    public string MemberId => $"{_client.ClientId}-c{_instance}";

    /// <summary>The consumer group.</summary>
    public string Group => _options.Group;

    /// <summary>Subscribes to <paramref name="topic"/>, filtered by tag ("*", "TagA" or "TagA || TagB"). Before start only.</summary>
    public PushConsumer Subscribe(string topic, string tagExpression = "*")
    {
        Producing.MessageValidator.ValidateTopic(topic);
        ThrowIfStarted();
        _subscriptions[topic] = new TagFilter(tagExpression);
        return this;
    }

    /// <summary>Sets the handler. Return <see cref="ConsumeResult.RetryLater"/> (or throw) to get the batch again later.</summary>
    public PushConsumer RegisterHandler(Func<IReadOnlyList<ReceivedMessage>, ConsumeResult> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ThrowIfStarted();
        _handler = handler;
        return this;
    }

    /// <summary>Joins the group and starts pulling; completes once the first rebalance assigned the queues.</summary>
    /// <exception cref="RocketClientException">No subscription or handler, or no seed reachable.</exception>
    public async Task StartAsync()
    {
        ThrowIfStarted();
        if (_subscriptions.Count == 0) throw new RocketClientException($"consumer of group '{Group}' has no subscription; call Subscribe first");
        if (_handler is null) throw new RocketClientException($"consumer of group '{Group}' has no handler; call RegisterHandler first");
        var config = new ConsumerConfig(ConsumerKind.Push, _options.Group, _options.MessageModel, _options.ConsumeFrom,
            _options.ConsumeTimestamp, new Dictionary<string, TagFilter>(_subscriptions), MemberId, _client.Settings)
        {
            Handler = _handler,
            HandlerSlots = new SemaphoreSlim(_options.ConsumeThreads, _options.ConsumeThreads),
            ConsumeBatchSize = _options.ConsumeBatchSize,
            RetryLaterDelay = _options.RetryLaterDelay,
        };
        var client = _client;
        _actor = _client.System.ActorOf(Props.Create(() => new ConsumerActor(client, config)), $"push-{_instance}-{++_starts}");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new StartConsumer(started));
        try { await started.Task.ConfigureAwait(false); }
        catch
        {
            _actor = null; // the consumer actor stopped itself; a later StartAsync may try again
            throw;
        }
        _client.Started(this, StopAsync);
    }

    /// <summary>Stops pulling, commits the consumed offsets and leaves the group.</summary>
    public async Task StopAsync()
    {
        var actor = Interlocked.Exchange(ref _actor, null);
        if (actor is null) return;
        _client.Stopped(this);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        actor.Tell(new StopConsumer(stopped));
        await stopped.Task.WaitAsync(_client.Settings.SendTimeout).ConfigureAwait(false);
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private void ThrowIfStarted()
    {
        if (_actor is not null) throw new RocketClientException($"consumer of group '{Group}' is already started");
    }
}
