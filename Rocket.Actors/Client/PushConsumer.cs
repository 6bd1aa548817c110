using Akka.Actor;
using Rocket.Client.Consuming;

using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>
/// Receives messages through a handler (RocketMQ's push consumer, concurrent mode). Subscribe and register the
/// handler, then <see cref="StartAsync"/>. The handler runs on thread-pool threads, up to
/// <see cref="PushConsumerOptions.ConsumeThreads"/> at once; delivery is at least once.
/// </summary>
public sealed class PushConsumer : Consumer
{
    private readonly PushConsumerOptions _options;
    private Func<IReadOnlyList<ReceivedMessage>, ConsumeResult>? _handler;
    private Func<IReadOnlyList<ReceivedMessage>, ConsumeOrderlyStatus>? _orderlyHandler;

    internal PushConsumer(RocketClient client, PushConsumerOptions options, int instance) : base(client, options.Group, instance)
    {
        if (options.ConsumeThreads < 1) throw new RocketClientException("ConsumeThreads must be at least 1");
        if (options.ConsumeBatchSize < 1) throw new RocketClientException("ConsumeBatchSize must be at least 1");
        if (options.MaxReconsumeTimes < 0)
            throw new RocketClientException($"MaxReconsumeTimes must be 0 or more (0: a failed message goes straight to the dead-letter queue); it is {options.MaxReconsumeTimes}");
        if (options.SuspendCurrentQueueTime <= TimeSpan.Zero)
            throw new RocketClientException($"SuspendCurrentQueueTime must be positive; it is {options.SuspendCurrentQueueTime}");
        _options = options;
    }

    /// <summary>Subscribes to <paramref name="topic"/>, filtered by tag ("*", "TagA" or "TagA || TagB"). Before start only.</summary>
    public PushConsumer Subscribe(string topic, string tagExpression = "*") => Subscribe(topic, MessageSelector.ByTag(tagExpression));

    /// <summary>
    /// Subscribes to <paramref name="topic"/> with an explicit selector: by tag, or <see cref="MessageSelector.BySql"/>
    /// (filtered on the broker; an invalid expression throws here, naming its column and the reason). Before start only.
    /// </summary>
    public PushConsumer Subscribe(string topic, MessageSelector selector)
    {
        AddSubscription(topic, selector);
        return this;
    }

    /// <summary>Sets the handler. Return <see cref="ConsumeResult.RetryLater"/> (or throw) to get the batch again later.</summary>
    public PushConsumer RegisterHandler(Func<IReadOnlyList<ReceivedMessage>, ConsumeResult> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ThrowIfStarted();
        if (_orderlyHandler is not null) throw new RocketClientException($"consumer of group '{Group}' already has an orderly handler; a consumer has one handler");
        _handler = handler;
        return this;
    }

    /// <summary>
    /// Sets an orderly handler (RocketMQ's MessageListenerOrderly): per queue one call at a time, in queue order; queues
    /// run in parallel (up to <see cref="PushConsumerOptions.ConsumeThreads"/>). Clustering: each queue is consumed only
    /// while this consumer holds its lock on the broker (locked on assignment, renewed every
    /// <c>rocket.client.rebalance-lock-interval</c>); a queue that moves to another member is unlocked only after its
    /// batch in flight finished and its offset was committed. See <see cref="ConsumeOrderlyStatus"/> for failures.
    /// </summary>
    public PushConsumer RegisterOrderlyHandler(Func<IReadOnlyList<ReceivedMessage>, ConsumeOrderlyStatus> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ThrowIfStarted();
        if (_handler is not null) throw new RocketClientException($"consumer of group '{Group}' already has a concurrent handler; a consumer has one handler");
        _orderlyHandler = handler;
        return this;
    }

    /// <summary>
    /// Joins the group and starts pulling. Completes once the group assigned this consumer its queues and each of them
    /// knows its start offset: a message sent after this returns is delivered, whatever <see cref="ConsumeFrom"/>.
    /// </summary>
    /// <exception cref="RocketClientException">No subscription or handler, or not started within
    /// <see cref="ClientSettings.ConsumerStartTimeout"/> (<see cref="RocketErrorCode.ConsumerStartTimeout"/>; a seed or
    /// broker that never answered is named, and the last failure is the inner exception).</exception>
    public async Task StartAsync()
    {
        ThrowIfStarted();
        var subscriptions = Subscriptions();
        if (_handler is null && _orderlyHandler is null)
            throw new RocketClientException($"consumer of group '{Group}' has no handler; call RegisterHandler or RegisterOrderlyHandler first");
        string? retryTopic = _options.MessageModel == MessageModel.Clustering ? RetrySubscription.Add(Group, subscriptions) : null;
        var config = new ConsumerConfig(ConsumerKind.Push, _options.Group, _options.MessageModel, _options.ConsumeFrom,
            _options.ConsumeTimestamp, subscriptions, MemberId, Client.Settings)
        {
            Handler = _handler,
            Handlers = new HandlerDispatcher(_options.ConsumeThreads),
            ConsumeBatchSize = _options.ConsumeBatchSize,
            RetryLaterDelay = _options.RetryLaterDelay,
            RetryTopic = retryTopic,
            MaxReconsumeTimes = _options.MaxReconsumeTimes ?? (_orderlyHandler is null ? PushConsumerOptions.DefaultMaxReconsumeTimes : int.MaxValue),
            OrderlyHandler = _orderlyHandler,
            SuspendCurrentQueueTime = _options.SuspendCurrentQueueTime,
        };
        if (_options.MessageModel == MessageModel.Broadcasting) config = BroadcastOffsets.Open(config, _options, Client);
        try { await StartActorAsync(config, "push").ConfigureAwait(false); }
        catch
        {
            if (config.LocalOffsets is { } local) await local.CloseAsync(config.LoadedOffsets!).ConfigureAwait(false);
            throw;
        }
    }
}
