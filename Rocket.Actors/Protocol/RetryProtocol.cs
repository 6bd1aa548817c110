namespace Rocket.Protocol;

/// <summary>
/// Consumer → the broker that stored the message (RocketMQ's CONSUMER_SEND_MSG_BACK): the group's handler did not
/// consume it. The broker reads the message at <see cref="PhysicalOffset"/> and writes it to <c>%RETRY%&lt;group&gt;</c>
/// through delay level <c>3 + reconsume times</c> (or <see cref="DelayLevel"/> when above 0), or to <c>%DLQ%&lt;group&gt;</c>
/// once its reconsume times reach <see cref="MaxReconsumeTimes"/> (or when <see cref="DelayLevel"/> is below 0).
/// Answered with <see cref="SendBackResult"/>; only an Ok answer lets the consumer move its offset past the message.
/// </summary>
/// <param name="RequestId">Echoed in the answer.</param>
/// <param name="Group">The consumer group.</param>
/// <param name="PhysicalOffset">The message's commit-log offset on this broker.</param>
/// <param name="OriginMessageId">The message's id as first sent (its UNIQ_KEY), kept as ORIGIN_MESSAGE_ID.</param>
/// <param name="DelayLevel">0: the broker picks 3 + reconsume times; below 0: straight to the dead-letter queue.</param>
/// <param name="MaxReconsumeTimes">The consumer's max-reconsume-times (RocketMQ's default 16).</param>
public sealed record ConsumerSendBack(long RequestId, string Group, long PhysicalOffset, string? OriginMessageId, int DelayLevel,
    int MaxReconsumeTimes) : IRocketMessage;

/// <summary>
/// The answer to <see cref="ConsumerSendBack"/>. <see cref="Topic"/> is where the message went (the retry or the
/// dead-letter topic); on failure <see cref="Error"/> says why and nothing was written.
/// </summary>
public sealed record SendBackResult(long RequestId, bool Ok, string? Topic, string? Error) : IRocketMessage;
