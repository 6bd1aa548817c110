using System.Globalization;
using Rocket.Protocol;

namespace Rocket.Broker.Retry;

/// <summary>
/// A producer writing straight to a <c>%RETRY%&lt;group&gt;</c> topic (RocketMQ's client does when a send-back fails)
/// passes the same check as a send-back (reference §8): its RECONSUME_TIME (default 0) against its
/// MAX_RECONSUME_TIMES (default 16); at or past the maximum it goes to <c>%DLQ%&lt;group&gt;</c>, queue 0, without delay.
/// </summary>
public static class DirectRetrySend
{
    /// <summary>
    /// The message to store instead of <paramref name="message"/> (its dead-letter copy), or null to store it as sent;
    /// <paramref name="error"/> names a property that is not a count.
    /// </summary>
    public static WireMessage? DeadLetterInstead(WireMessage message, out string? error)
    {
        error = null;
        if (!SystemTopics.IsRetryTopic(message.Topic)) return null;
        if (!TryCount(message.Properties, MessageProperties.ReconsumeTime, 0, out int reconsumeTimes, out error) ||
            !TryCount(message.Properties, MessageProperties.MaxReconsumeTimes, SendBack.DefaultMaxReconsumeTimes, out int max, out error))
            return null;
        if (reconsumeTimes < max) return null;
        var properties = MessageProperties.Decode(message.Properties);
        properties.Remove(MessageProperties.DelayLevel);
        string group = message.Topic[SystemTopics.RetryPrefix.Length..];
        return message with { Topic = SystemTopics.DeadLetterTopic(group), QueueId = 0, Properties = MessageProperties.Encode(properties) };
    }

    /// <summary>The reconsume times a producer's message to a retry or dead-letter topic carries; 0 for any other topic.</summary>
    public static int ReconsumeTimes(WireMessage message) =>
        message.Topic.Length > 0 && message.Topic[0] == '%' &&
        (SystemTopics.IsRetryTopic(message.Topic) || SystemTopics.IsDeadLetterTopic(message.Topic)) &&
        TryCount(message.Properties, MessageProperties.ReconsumeTime, 0, out int count, out _) ? count : 0;

    private static bool TryCount(string? properties, string name, int absent, out int count, out string? error)
    {
        error = null;
        count = absent;
        if (MessageProperties.Get(properties, name) is not { } text) return true;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count)) return true;
        error = $"message property {name}='{text}' is not a non-negative whole number";
        return false;
    }
}
