using Rocket.Protocol;
using Rocket.Store.Format;

namespace Rocket.Broker.Transaction;

/// <summary>
/// The write-time rewrite of a half (prepared) transactional message and its rebuild at commit (RocketMQ §10): the half
/// is parked in <see cref="SystemTopics.TransactionHalf"/> queue 0, its destination kept in REAL_TOPIC / REAL_QID, so
/// no consumer sees it; a commit writes it back to that destination.
/// </summary>
public static class HalfMessage
{
    private const string Marker = MessageProperties.TransactionPrepared + "\u0001";

    /// <summary>
    /// Whether the encoded properties carry TRAN_MSG. A vectorised search for the marker, no decoding: plain messages
    /// pay one scan of their properties string and nothing else.
    /// </summary>
    public static bool IsHalf(string? properties)
    {
        if (properties is null) return false;
        var span = properties.AsSpan();
        int from = 0;
        while (true)
        {
            int at = span[from..].IndexOf(Marker.AsSpan()); // ordinal, vectorised
            if (at < 0) return false;
            at += from;
            if (at == 0 || span[at - 1] == MessageProperties.PropertySeparator) return true; // a whole name, not a suffix
            from = at + Marker.Length;
        }
    }

    /// <summary>Why the broker refuses this half message, or null when it is not a half message or is acceptable.</summary>
    public static string? Refusal(string? properties)
    {
        if (!IsHalf(properties)) return null;
        var all = MessageProperties.Decode(properties);
        var flag = all[MessageProperties.TransactionPrepared];
        if (flag != "true")
            return $"message property {MessageProperties.TransactionPrepared}={flag} is illegal: a half message has {MessageProperties.TransactionPrepared}=true";
        if (!all.TryGetValue(MessageProperties.ProducerGroup, out var group) || ResourceNames.CheckGroup(group) is not null)
            return $"a half message ({MessageProperties.TransactionPrepared}=true) needs its producer group in {MessageProperties.ProducerGroup} (found '{group}'); send it with a TransactionProducer";
        if (all.TryGetValue(MessageProperties.DelayLevel, out var delay) && delay != "0")
            return $"a transactional message cannot be delayed (message property {MessageProperties.DelayLevel}={delay})";
        foreach (var timer in TimerProperties)
            if (all.TryGetValue(timer, out var value))
                return $"a transactional message cannot be timed (message property {timer}={value})";
        return null;
    }

    // RocketMQ's timed-delivery properties (4.x commercial and 5.x timer): none may ride on a half message.
    private static readonly string[] TimerProperties = ["__STARTDELIVERTIME", "TIMER_DELIVER_MS", "TIMER_DELAY_SEC", "TIMER_DELAY_MS"];

    /// <summary>A half message parked in the half topic, queue 0; any other message unchanged.</summary>
    public static MessageToStore ParkIfHalf(in MessageToStore message)
    {
        if (!IsHalf(message.Properties)) return message;
        return message with { Topic = SystemTopics.TransactionHalf, QueueId = 0, Properties = Normalise(message.Properties) + Tail(message) };
    }

    private static string Normalise(string? properties) =>
        string.IsNullOrEmpty(properties) || properties[^1] == MessageProperties.PropertySeparator ? properties ?? "" : properties + MessageProperties.PropertySeparator;

    private static string Tail(in MessageToStore message) =>
        $"{MessageProperties.RealTopic}{MessageProperties.NameValueSeparator}{message.Topic}{MessageProperties.PropertySeparator}"
        + $"{MessageProperties.RealQueueId}{MessageProperties.NameValueSeparator}{message.QueueId}{MessageProperties.PropertySeparator}";

    /// <summary>The half message's destination, or null when REAL_TOPIC / REAL_QID are missing or unreadable.</summary>
    public static (string Topic, int QueueId)? Destination(StoredMessage half)
    {
        var topic = MessageProperties.Get(half.Properties, MessageProperties.RealTopic);
        var queue = MessageProperties.Get(half.Properties, MessageProperties.RealQueueId);
        return topic is not null && int.TryParse(queue, out int queueId) ? (topic, queueId) : null;
    }

    /// <summary>The properties a committed (or checked) message carries: the parking properties dropped, everything else kept.</summary>
    public static string DeliveredProperties(string? properties)
    {
        var kept = MessageProperties.Decode(properties);
        foreach (var name in ParkingProperties) kept.Remove(name);
        return MessageProperties.Encode(kept);
    }

    private static readonly string[] ParkingProperties =
    [
        MessageProperties.TransactionPrepared, MessageProperties.RealTopic, MessageProperties.RealQueueId,
        MessageProperties.TransactionCheckTimes,
    ];

    /// <summary>
    /// The committed message as it goes to its real topic and queue: body, tags, keys, UNIQ_KEY, user properties, PGROUP,
    /// born time and host, flag and reconsume times of the half; sysflag commit; the half's commit-log offset as the
    /// prepared-transaction offset (RocketMQ's record field).
    /// </summary>
    public static MessageToStore Rebuild(StoredMessage half, string topic, int queueId) =>
        new(topic, queueId, half.Body, DeliveredProperties(half.Properties), half.Flag, SysFlags.TransactionCommit,
            half.BornTimestamp, half.BornHost, half.ReconsumeTimes, half.PhysicalOffset);
}
