using System.Globalization;
using Rocket.Protocol;
using Rocket.Store.Format;

namespace Rocket.Broker.Timer;

/// <summary>
/// The write path of timer messages: a message carrying TIMER_DELIVER_MS (RocketMQ 5's absolute epoch ms),
/// TIMER_DELAY_MS or TIMER_DELAY_SEC is parked in <see cref="SystemTopics.Timer"/> queue 0 with its destination in
/// REAL_TOPIC / REAL_QID and its due time in TIMER_OUT_MS; the timer actor delivers it when due. A due time already
/// past is not parked: it goes to its topic at once, stamped with TIMER_OUT_MS all the same.
/// Plain messages cost one vectorised search for "TIMER_" and nothing else.
/// </summary>
public static class TimerParking
{
    private const string Marker = "TIMER_";

    /// <summary>A timer message's due time (epoch ms), or the refusal that names what is wrong with it.</summary>
    public readonly record struct Due(long? DueMs, string? Refusal)
    {
        public bool IsTimed => DueMs is not null;
    }

    /// <summary>Reads the due time of a message's encoded properties; not timed: <c>DueMs</c> and <c>Refusal</c> both null.</summary>
    /// <param name="nowMs">The time a delay counts from; read from the clock (only for a timer message) when null.</param>
    public static Due DueOf(string? properties, TimerSettings settings, long? nowMs = null)
    {
        if (properties is null || !properties.Contains(Marker, StringComparison.Ordinal)) return default;
        return DueOfTimed(properties, settings, nowMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    private static Due DueOfTimed(string properties, TimerSettings settings, long nowMs)
    {
        string? deliverMs = MessageProperties.Get(properties, UnsupportedFeatures.TimerDeliverMs);
        string? delayMs = MessageProperties.Get(properties, UnsupportedFeatures.TimerDelayMs);
        string? delaySec = MessageProperties.Get(properties, UnsupportedFeatures.TimerDelaySec);
        int forms = (deliverMs is null ? 0 : 1) + (delayMs is null ? 0 : 1) + (delaySec is null ? 0 : 1);
        if (forms == 0) return default; // "TIMER_" inside some other property: not a timer message
        if (forms > 1)
            return new(null, $"a timer message carries one of {UnsupportedFeatures.TimerDeliverMs}, {UnsupportedFeatures.TimerDelayMs}, " +
                             $"{UnsupportedFeatures.TimerDelaySec}; this one carries {forms} of them");
        if (MessageProperties.Get(properties, MessageProperties.TransactionPrepared) is not null)
            return new(null, "a transactional (half) message cannot carry a delivery time: it is delivered when its transaction commits");
        if (MessageProperties.Get(properties, MessageProperties.DelayLevel) is { } level && level != "0")
            return new(null, $"a message cannot carry both a delay level ({MessageProperties.DelayLevel}={level}) and a delivery time");
        var (name, text) = deliverMs is not null ? (UnsupportedFeatures.TimerDeliverMs, deliverMs)
            : delayMs is not null ? (UnsupportedFeatures.TimerDelayMs, delayMs) : (UnsupportedFeatures.TimerDelaySec, delaySec!);
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            return new(null, $"message property {name}={text} is not a non-negative whole number");
        long dueMs;
        try
        {
            dueMs = name == UnsupportedFeatures.TimerDeliverMs ? value
                : checked(nowMs + (name == UnsupportedFeatures.TimerDelayMs ? value : checked(value * 1000)));
        }
        catch (OverflowException)
        {
            return new(null, $"message property {name}={text} is too large");
        }
        if (dueMs - nowMs > settings.MaxDelayMs)
            return new(null, $"message property {name}={text} asks for delivery {(dueMs - nowMs) / 1000} s from now, " +
                             $"beyond rocket.broker.timer-max-delay-sec = {settings.MaxDelaySec}");
        return new(dueMs, null);
    }

    /// <summary>
    /// The message as the journal must store it: parked in the timer topic when <paramref name="dueMs"/> is still
    /// ahead, otherwise to its own topic at once; both stamped TIMER_OUT_MS.
    /// </summary>
    public static MessageToStore Park(MessageToStore message, long dueMs, long nowMs)
    {
        var properties = MessageProperties.Decode(message.Properties);
        properties[MessageProperties.TimerOutMs] = dueMs.ToString(CultureInfo.InvariantCulture);
        if (dueMs <= nowMs)
        {
            // Due already: nothing to wait for. The delivery-time properties go, as on a delivered message.
            TimerDelivery.RemoveTimerRequest(properties);
            return message with { Properties = MessageProperties.Encode(properties) };
        }
        properties[MessageProperties.RealTopic] = message.Topic;
        properties[MessageProperties.RealQueueId] = message.QueueId.ToString(CultureInfo.InvariantCulture);
        return message with { Topic = SystemTopics.Timer, QueueId = 0, Properties = MessageProperties.Encode(properties) };
    }
}
