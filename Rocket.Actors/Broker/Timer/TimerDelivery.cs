using System.Globalization;
using Rocket.Protocol;
using Rocket.Store.Format;

namespace Rocket.Broker.Timer;

/// <summary>Rebuilds a due timer message for its real topic from its parked record.</summary>
public static class TimerDelivery
{
    /// <summary>
    /// The message to append to its real topic and queue: the parking properties (REAL_TOPIC, REAL_QID) and the
    /// delivery request (TIMER_DELIVER_MS / TIMER_DELAY_*) go; TIMER_OUT_MS = <paramref name="dueMs"/> is stamped;
    /// body, flag, UNIQ_KEY, KEYS, TAGS, user properties, born time and host and reconsume times stay.
    /// Null when the record names no real topic (not a parked timer message); <paramref name="realTopic"/> says which.
    /// </summary>
    public static MessageToStore? Rebuild(StoredMessage parked, long dueMs, out string? realTopic)
    {
        var properties = MessageProperties.Decode(parked.Properties);
        properties.Remove(MessageProperties.RealTopic, out realTopic);
        if (realTopic is null || !properties.Remove(MessageProperties.RealQueueId, out var qid)
            || !int.TryParse(qid, NumberStyles.None, CultureInfo.InvariantCulture, out int queueId))
            return null;
        RemoveTimerRequest(properties);
        properties[MessageProperties.TimerOutMs] = dueMs.ToString(CultureInfo.InvariantCulture);
        return new MessageToStore(realTopic, queueId, parked.Body, MessageProperties.Encode(properties), parked.Flag, parked.SysFlag,
            parked.BornTimestamp, parked.BornHost, parked.ReconsumeTimes);
    }

    /// <summary>Drops the properties that asked for a delivery time (done once the message is in its topic).</summary>
    public static void RemoveTimerRequest(Dictionary<string, string> properties)
    {
        properties.Remove(UnsupportedFeatures.TimerDeliverMs);
        properties.Remove(UnsupportedFeatures.TimerDelayMs);
        properties.Remove(UnsupportedFeatures.TimerDelaySec);
    }
}
