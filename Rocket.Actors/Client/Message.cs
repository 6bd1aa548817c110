namespace Rocket.Client;

/// <summary>A message to send: a topic, a body and optional tag, keys and user properties.</summary>
public sealed class Message
{
    /// <summary>Creates a message for <paramref name="topic"/> carrying <paramref name="body"/>.</summary>
    public Message(string topic, byte[] body)
    {
        Topic = topic;
        Body = body;
    }

    /// <summary>The topic; letters, digits, '_', '-', '%' and '|', at most 127 characters.</summary>
    public string Topic { get; }

    /// <summary>The payload: not empty, at most 4 MiB.</summary>
    public byte[] Body { get; }

    /// <summary>One tag consumers can filter on (RocketMQ's TAGS); must not contain "||".</summary>
    public string? Tags { get; init; }

    /// <summary>Space-separated business keys, indexed by the broker for queries (RocketMQ's KEYS).</summary>
    public string? Keys { get; init; }

    /// <summary>
    /// RocketMQ's delay level: 1..N of the broker's <c>message-delay-level</c> table (default 18 levels, 1s 5s 10s 30s
    /// 1m … 2h). The broker keeps the message back for the level's delay, then delivers it to its topic; a level above
    /// the table is refused by the broker (MessageIllegal, naming the table size). Null or 0 sends immediately.
    /// </summary>
    public int? DelayLevel { get; init; }

    /// <summary>
    /// Deliver at this time (a timer message, RocketMQ 5's TIMER_DELIVER_MS): the broker keeps it until then, at most
    /// <c>timer-max-delay-sec</c> (3 days) ahead; a time already past delivers at once. Not together with <see cref="DeliverAfter"/>.
    /// </summary>
    public DateTimeOffset? DeliverAt { get; init; }

    /// <summary>Deliver this long after the send (a timer message; the broker's due time is the send time plus this). Not negative.</summary>
    public TimeSpan? DeliverAfter { get; init; }

    /// <summary>
    /// User properties. System names (TAGS, KEYS, UNIQ_KEY, DELAY, WAIT, and the timer's TIMER_DELIVER_MS, TIMER_DELAY_MS,
    /// TIMER_DELAY_SEC: use <see cref="DeliverAt"/> / <see cref="DeliverAfter"/>) are reserved; RocketMQ's names for
    /// features Rocket does not have yet (__STARTDELIVERTIME) are refused; the transaction properties (TRAN_MSG, PGROUP,
    /// TRANSACTION_CHECK_TIMES) are set only by a <see cref="TransactionProducer"/>.
    /// </summary>
    public IDictionary<string, string> Properties => _properties ??= new Dictionary<string, string>(StringComparer.Ordinal);

    // Created on first use: most messages carry no user property, and an empty dictionary per send is 80 bytes.
    private Dictionary<string, string>? _properties;

    /// <summary>The user properties, or null when none was ever asked for (then there are none).</summary>
    internal Dictionary<string, string>? UserProperties => _properties;
}
