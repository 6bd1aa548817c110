using System.Globalization;
using System.Text;
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
        // One pass over the properties string, no dictionary: this runs for every delivered timer.
        realTopic = null;
        string? queueText = null;
        var encoded = (parked.Properties ?? "").AsSpan();
        var kept = new StringBuilder(encoded.Length + 32);
        while (!encoded.IsEmpty)
        {
            int end = encoded.IndexOf(MessageProperties.PropertySeparator);
            var pair = end < 0 ? encoded : encoded[..end];
            encoded = end < 0 ? default : encoded[(end + 1)..];
            int separator = pair.IndexOf(MessageProperties.NameValueSeparator);
            if (separator <= 0) continue;
            var name = pair[..separator];
            if (name.SequenceEqual(MessageProperties.RealTopic)) realTopic = pair[(separator + 1)..].ToString();
            else if (name.SequenceEqual(MessageProperties.RealQueueId)) queueText = pair[(separator + 1)..].ToString();
            else if (!IsTimerProperty(name)) kept.Append(pair).Append(MessageProperties.PropertySeparator);
        }
        if (realTopic is null || !int.TryParse(queueText, NumberStyles.None, CultureInfo.InvariantCulture, out int queueId)) return null;
        kept.Append(MessageProperties.TimerOutMs).Append(MessageProperties.NameValueSeparator)
            .Append(dueMs.ToString(CultureInfo.InvariantCulture)).Append(MessageProperties.PropertySeparator);
        return new MessageToStore(realTopic, queueId, parked.Body, kept.ToString(), parked.Flag, parked.SysFlag,
            parked.BornTimestamp, parked.BornHost, parked.ReconsumeTimes);
    }

    private static bool IsTimerProperty(ReadOnlySpan<char> name) =>
        name.SequenceEqual(MessageProperties.TimerOutMs) || name.SequenceEqual(UnsupportedFeatures.TimerDeliverMs)
        || name.SequenceEqual(UnsupportedFeatures.TimerDelayMs) || name.SequenceEqual(UnsupportedFeatures.TimerDelaySec);

    /// <summary>Drops the properties that asked for a delivery time (done once the message is in its topic).</summary>
    public static void RemoveTimerRequest(Dictionary<string, string> properties)
    {
        properties.Remove(UnsupportedFeatures.TimerDeliverMs);
        properties.Remove(UnsupportedFeatures.TimerDelayMs);
        properties.Remove(UnsupportedFeatures.TimerDelaySec);
    }
}
