using Rocket.Protocol;
using Rocket.Protocol.Filtering;

namespace Rocket.Client.Consuming;

internal enum ConsumerKind { Push, Pull }

/// <summary>Everything a consumer's actors need, fixed at start.</summary>
internal sealed record ConsumerConfig(
    ConsumerKind Kind,
    string Group,
    MessageModel Model,
    ConsumeFrom ConsumeFrom,
    DateTimeOffset? ConsumeTimestamp,
    IReadOnlyDictionary<string, SubscriptionFilter> Subscriptions,
    string ClientId,
    ClientSettings Client)
{
    /// <summary>How long a broker may hold a pull with nothing to return (RocketMQ: 15 s).</summary>
    public static readonly TimeSpan LongPollSuspend = TimeSpan.FromSeconds(15);

    /// <summary>How often membership is re-checked even without a notice from the brokers (RocketMQ: 20 s).</summary>
    public static readonly TimeSpan RebalanceInterval = TimeSpan.FromSeconds(20);
    /// <summary>How soon a rebalance looks again for a subscribed topic that had no queues.</summary>
    public static readonly TimeSpan MissingRouteRetry = TimeSpan.FromSeconds(1);

    /// <summary>The client's per-broker links: pulls go through them to use the broker's data channel. Null: straight over Akka.Remote.</summary>
    public Producing.BrokerSenders? Senders { get; init; }

    // Push consumers
    public Func<IReadOnlyList<ReceivedMessage>, ConsumeResult>? Handler { get; init; }
    /// <summary>Runs the handler calls of every queue, at most consume-threads at a time.</summary>
    public HandlerDispatcher? Handlers { get; init; }
    public int ConsumeBatchSize { get; init; } = 1;
    public TimeSpan RetryLaterDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Clustering push: the group's retry topic (subscribed automatically); failed messages are sent back. Else null.</summary>
    public string? RetryTopic { get; init; }
    public int MaxReconsumeTimes { get; init; } = PushConsumerOptions.DefaultMaxReconsumeTimes;
    public bool SendsBack => RetryTopic is not null;
    /// <summary>Orderly push (RocketMQ's MessageListenerOrderly): one batch at a time per queue, in order; null: concurrent.</summary>
    public Func<IReadOnlyList<ReceivedMessage>, ConsumeOrderlyStatus>? OrderlyHandler { get; init; }
    public TimeSpan SuspendCurrentQueueTime { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Orderly clustering consumers lock each queue on its broker before consuming it.</summary>
    public bool LocksQueues => OrderlyHandler is not null && Model == MessageModel.Clustering;

    /// <summary>Broadcasting push: the local offset file, and what it held at start. Else null.</summary>
    public Offsets.LocalOffsetStore? LocalOffsets { get; init; }
    public IReadOnlyDictionary<MessageQueue, long>? LoadedOffsets { get; init; }

    // Pull consumers
    /// <summary>Assign mode (no group rebalance): exactly these queues. Null: subscribe mode.</summary>
    public IReadOnlyList<MessageQueue>? Assigned { get; init; }
    public int PollBatchSize { get; init; } = 32;
    public bool AutoCommit { get; init; } = true;

    /// <summary>Where a queue starts when the broker (or the local store) has no offset for it.</summary>
    public long? TimestampForPolicy => ConsumeFrom == ConsumeFrom.Timestamp
        ? (ConsumeTimestamp ?? DateTimeOffset.UtcNow.AddMinutes(-30)).ToUnixTimeMilliseconds()
        : null;
}
