namespace Rocket.Protocol;

/// <summary>
/// RocketMQ features Rocket does not implement yet, recognised by the message properties that ask for them. Client and
/// broker both refuse such a message with an error naming the feature: stored as a plain message it would be delivered
/// at once (a timer ignored), silently.
/// </summary>
public static class UnsupportedFeatures
{
    /// <summary>RocketMQ 4.x commercial-edition delivery time (epoch ms).</summary>
    public const string StartDeliverTime = "__STARTDELIVERTIME";
    /// <summary>RocketMQ 5 timer messages: delivery at an epoch ms, or after a delay (supported: see Broker/Timer).</summary>
    public const string TimerDeliverMs = "TIMER_DELIVER_MS";
    public const string TimerDelaySec = "TIMER_DELAY_SEC";
    public const string TimerDelayMs = "TIMER_DELAY_MS";

    /// <summary>The error for a property that asks for a missing feature, or null when the property is an ordinary one.</summary>
    public static string? Refusal(string name, string? value) => name switch
    {
        StartDeliverTime =>
            $"{StartDeliverTime} (RocketMQ 4's commercial delivery time) is not supported (message property {name}={value}); set {TimerDeliverMs} (epoch ms) instead",
        _ => null,
    };

    /// <summary>
    /// Checks an encoded properties string (<c>name\u0001value\u0002…</c>) in one pass without allocating unless a
    /// property asks for a missing feature; returns that refusal, or null.
    /// </summary>
    public static string? RefusalIn(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded)) return null;
        var rest = encoded.AsSpan();
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf('\u0002');
            var pair = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            int separator = pair.IndexOf('\u0001');
            if (separator <= 0) continue;
            var name = pair[..separator];
            // Cheap pre-check: every name above is upper case and starts with T or _.
            if (name[0] is not ('T' or '_') || !IsFeatureName(name)) continue;
            var value = pair[(separator + 1)..].ToString();
            if (Refusal(name.ToString(), value) is { } refusal) return refusal;
        }
        return null;
    }

    private static bool IsFeatureName(ReadOnlySpan<char> name) =>
        name.SequenceEqual(StartDeliverTime);
}
