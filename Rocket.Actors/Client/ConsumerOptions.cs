using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>What a handler tells the push consumer about a batch.</summary>
public enum ConsumeResult
{
    /// <summary>Handled; the offset may move past these messages.</summary>
    Success,
    /// <summary>
    /// Not handled now: deliver the same messages again later. Clustering: each message is sent back to its broker,
    /// which delivers it again from the group's retry topic after the next delay level (10 s, 30 s, 1 min, … 2 h), or
    /// puts it in the group's dead-letter queue after <see cref="PushConsumerOptions.MaxReconsumeTimes"/>.
    /// Broadcasting: delivered again by this consumer after <see cref="PushConsumerOptions.RetryLaterDelay"/>.
    /// </summary>
    RetryLater,
}

/// <summary>Where a group starts on a queue for which the broker has no stored offset (RocketMQ's ConsumeFromWhere).</summary>
public enum ConsumeFrom
{
    /// <summary>The oldest message still stored.</summary>
    First,
    /// <summary>Only messages sent from now on.</summary>
    Last,
    /// <summary>The first message stored at or after <see cref="PushConsumerOptions.ConsumeTimestamp"/>.</summary>
    Timestamp,
}

/// <summary>Options of a push consumer.</summary>
/// <param name="Group">The consumer group; members share (clustering) or each get (broadcasting) the messages.</param>
public sealed record PushConsumerOptions(string Group)
{
    public MessageModel MessageModel { get; init; } = MessageModel.Clustering;
    public ConsumeFrom ConsumeFrom { get; init; } = ConsumeFrom.Last;
    /// <summary>Used with <see cref="ConsumeFrom.Timestamp"/>; default: half an hour ago (RocketMQ's default).</summary>
    public DateTimeOffset? ConsumeTimestamp { get; init; }
    /// <summary>Handlers running at the same time, across all queues of this consumer.</summary>
    public int ConsumeThreads { get; init; } = 20;
    /// <summary>Most messages per handler call (RocketMQ's consumeMessageBatchMaxSize).</summary>
    public int ConsumeBatchSize { get; init; } = 1;
    /// <summary>
    /// How long a RetryLater batch waits before this consumer delivers it again itself: always when broadcasting, and
    /// when clustering only for a message whose send-back to the broker failed (its offset is not committed past it).
    /// </summary>
    public TimeSpan RetryLaterDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// Clustering: how often a message may come back through the retry topic before it goes to the dead-letter queue
    /// <c>%DLQ%&lt;group&gt;</c> (RocketMQ's maxReconsumeTimes). Null: RocketMQ's default, 16 (about 4 h 46 min of
    /// retries), and unlimited for an orderly handler (a suspended queue is retried in place until it succeeds).
    /// Orderly (either model): a message suspended this many times more goes to the dead-letter queue.
    /// </summary>
    public int? MaxReconsumeTimes { get; init; }

    /// <summary>Broadcasting: the offset file's folder instead of <see cref="ClientSettings.LocalOffsetStoreDir"/>.</summary>
    public string? LocalOffsetStoreDir { get; init; }

    /// <summary>
    /// Orderly handler: how long a queue waits after <see cref="ConsumeOrderlyStatus.SuspendCurrentQueueAMoment"/>
    /// before its batch is delivered again (RocketMQ's suspendCurrentQueueTimeMillis, 1 s).
    /// </summary>
    public TimeSpan SuspendCurrentQueueTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>RocketMQ's default max reconsume times.</summary>
    public const int DefaultMaxReconsumeTimes = 16;
}

/// <summary>Options of a lite pull consumer (queues assigned as in clustering).</summary>
/// <param name="Group">The consumer group.</param>
public sealed record PullConsumerOptions(string Group)
{
    public ConsumeFrom ConsumeFrom { get; init; } = ConsumeFrom.Last;
    public DateTimeOffset? ConsumeTimestamp { get; init; }
    /// <summary>Commit the offsets of polled messages every persist-consumer-offset-interval, not only on CommitAsync.</summary>
    public bool AutoCommit { get; init; } = true;
    /// <summary>Most messages one poll returns.</summary>
    public int PollBatchSize { get; init; } = 32;
}
