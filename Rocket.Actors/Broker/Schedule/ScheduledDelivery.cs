using System.Globalization;
using System.Text;
using Rocket.Broker.Metadata;
using Rocket.Protocol;
using Rocket.Store.Format;

namespace Rocket.Broker.Schedule;

/// <summary>
/// Rebuilds a parked message for its real topic and queue when it is due: the parking properties (REAL_TOPIC,
/// REAL_QID, DELAY) go, TIMER_OUT_MS = the due time (epoch ms) is stamped, and everything else stays (UNIQ_KEY, KEYS,
/// TAGS, user properties, flag, born time and host, reconsume times).
/// </summary>
public static class ScheduledDelivery
{
    /// <summary>The message for its real destination, or null with <paramref name="problem"/> saying why it cannot go there.</summary>
    public static MessageToStore? Restore(StoredMessage parked, long dueMs, IReadOnlyDictionary<string, TopicConfig> topics, out string? problem)
    {
        var realTopic = MessageProperties.Get(parked.Properties, MessageProperties.RealTopic);
        var realQueue = MessageProperties.Get(parked.Properties, MessageProperties.RealQueueId);
        if (realTopic is null || !int.TryParse(realQueue, NumberStyles.None, CultureInfo.InvariantCulture, out int queueId))
        {
            problem = $"it has no valid {MessageProperties.RealTopic}/{MessageProperties.RealQueueId} ('{realTopic}'/'{realQueue}')";
            return null;
        }
        if (!topics.TryGetValue(realTopic, out var topic))
        {
            problem = $"its topic '{realTopic}' no longer exists";
            return null;
        }
        problem = null;
        // A topic shrunk since the message was sent: its queue is gone, and a message there would never be read.
        if (queueId >= topic.WriteQueues)
        {
            problem = $"queue {queueId} of topic '{realTopic}' no longer exists (write queues: {topic.WriteQueues}); delivered to queue {queueId % topic.WriteQueues}";
            queueId %= topic.WriteQueues;
        }
        var properties = new StringBuilder(parked.Properties!.Length + 32);
        DelayLevelRewrite.AppendExcept(properties, parked.Properties,
            MessageProperties.RealTopic, MessageProperties.RealQueueId, MessageProperties.DelayLevel, MessageProperties.TimerOutMs);
        properties.Append(MessageProperties.TimerOutMs).Append(MessageProperties.NameValueSeparator)
            .Append(dueMs.ToString(CultureInfo.InvariantCulture)).Append(MessageProperties.PropertySeparator);
        return new MessageToStore(realTopic, queueId, parked.Body, properties.ToString(), parked.Flag, parked.SysFlag,
            parked.BornTimestamp, parked.BornHost, parked.ReconsumeTimes);
    }

    /// <summary>A short name of a parked message for logs: its unique key (message id) and where it waits.</summary>
    public static string Describe(StoredMessage parked) =>
        $"message {parked.UniqueKey ?? "(no UNIQ_KEY)"} (schedule queue {parked.QueueId} offset {parked.QueueOffset}, commit-log offset {parked.PhysicalOffset})";
}
