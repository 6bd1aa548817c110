using Rocket.Protocol;
using Rocket.Store.Format;

namespace Rocket.Broker.Retry;

/// <summary>Where a sent-back message goes: the record to append and whether it is a dead letter.</summary>
public readonly record struct SendBackTarget(MessageToStore Record, bool DeadLetter);

/// <summary>
/// RocketMQ's consumer send-back rule (reference §8), as a pure function of the stored message and the request:
/// <c>%DLQ%&lt;group&gt;</c> without delay once the reconsume times reach the consumer's maximum (or when the
/// consumer asks for it with a level below 0), else <c>%RETRY%&lt;group&gt;</c> through delay level
/// <c>3 + reconsume times</c> (or the requested level), clamped to the last level of the delay table.
/// Either way the reconsume times grow by one and the original topic, id, properties, body and born time stay.
/// </summary>
public static class SendBack
{
    /// <summary>RocketMQ's retryMaxTimes: the maximum when a producer writing to a retry topic names none.</summary>
    public const int DefaultMaxReconsumeTimes = 16;

    /// <summary>RocketMQ's first retry waits at level 3 (10 s in the default table).</summary>
    public const int FirstRetryLevel = 3;

    /// <param name="delayLevels">How many levels the broker's delay table has (message-delay-level).</param>
    public static SendBackTarget Target(StoredMessage stored, ConsumerSendBack request, int delayLevels)
    {
        var properties = MessageProperties.Decode(stored.Properties);
        // A message coming back from its retry topic keeps the topic it was first sent to.
        properties.TryAdd(MessageProperties.RetryTopic, stored.Topic);
        if (!properties.ContainsKey(MessageProperties.OriginMessageId) &&
            (request.OriginMessageId ?? stored.UniqueKey) is { Length: > 0 } origin)
            properties[MessageProperties.OriginMessageId] = origin;
        // What parked the stored copy (a delivered delay or timer) must not park the new one again.
        properties.Remove(MessageProperties.RealTopic);
        properties.Remove(MessageProperties.RealQueueId);
        properties.Remove(MessageProperties.DelayLevel);

        bool deadLetter = request.DelayLevel < 0 || stored.ReconsumeTimes >= request.MaxReconsumeTimes;
        string topic;
        if (deadLetter) topic = SystemTopics.DeadLetterTopic(request.Group);
        else
        {
            topic = SystemTopics.RetryTopic(request.Group);
            int level = request.DelayLevel > 0 ? request.DelayLevel : FirstRetryLevel + stored.ReconsumeTimes;
            properties[MessageProperties.DelayLevel] = Math.Min(level, delayLevels).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var record = new MessageToStore(topic, 0, stored.Body, MessageProperties.Encode(properties), stored.Flag,
            stored.SysFlag, BornTimestamp: stored.BornTimestamp, BornHost: stored.BornHost, ReconsumeTimes: stored.ReconsumeTimes + 1);
        return new SendBackTarget(record, deadLetter);
    }

    /// <summary>
    /// Null when <paramref name="stored"/> is the message the consumer means, else why not: a stale or wrong physical
    /// offset must not send some other message to the group's retry topic.
    /// </summary>
    public static string? Mismatch(StoredMessage stored, ConsumerSendBack request)
    {
        if (SysFlags.IsTopicTombstone(stored.SysFlag))
            return $"the record at physical offset {request.PhysicalOffset} is a topic tombstone, not a message";
        if (SystemTopics.IsInternal(stored.Topic))
            return $"the message at physical offset {request.PhysicalOffset} is in internal topic '{stored.Topic}'";
        if (request.OriginMessageId is not { Length: > 0 } id) return null;
        if (stored.UniqueKey == id || MessageProperties.Get(stored.Properties, MessageProperties.OriginMessageId) == id) return null;
        return $"the message at physical offset {request.PhysicalOffset} has id '{stored.UniqueKey}', not '{id}'";
    }
}
