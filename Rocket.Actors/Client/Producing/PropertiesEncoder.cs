using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// Builds a message's properties string (<see cref="MessageProperties"/>' format) for a send: measured in one pass, then
/// written once into a string of exactly that size. The general encoder's StringBuilder, list and dictionary
/// enumerator cost about 700 bytes per send, more than the rest of the send path's own objects together.
/// Same order, same string and same errors as <see cref="MessageProperties.Encode"/> over the pairs
/// system, TAGS, KEYS, UNIQ_KEY, DELAY, user properties, TIMER_DELIVER_MS.
/// </summary>
internal static class PropertiesEncoder
{
    private readonly record struct Parts(
        Message Message, string UniqueKey, KeyValuePair<string, string>[]? System, string? Keys, string? Delay,
        Dictionary<string, string>? User, string? DeliverMs);

    /// <exception cref="RocketClientException">A name is empty or a name or value holds a separator, or the encoded size is above the limit.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string Encode(Message message, string uniqueKey, KeyValuePair<string, string>[]? system)
    {
        // The concrete dictionary: its struct enumerator allocates nothing (the interface's would be boxed).
        var parts = new Parts(message, uniqueKey, system,
            string.IsNullOrWhiteSpace(message.Keys) ? null : message.Keys,
            // The level's delay is the broker's table (message-delay-level); a level above it is refused by the broker.
            message.DelayLevel is int level and > 0 ? level.ToString(CultureInfo.InvariantCulture) : null,
            message.UserProperties,
            TimerValidator.DeliverMs(message) is { } deliverMs ? deliverMs.ToString(CultureInfo.InvariantCulture) : null);

        long length = 0;
        if (parts.System is not null)
            foreach (var (name, value) in parts.System) length += Measure(name, value);
        if (message.Tags is { } tags) length += Measure(MessageProperties.Tags, tags);
        if (parts.Keys is not null) length += Measure(MessageProperties.Keys, parts.Keys);
        length += Measure(MessageProperties.UniqueKey, uniqueKey);
        if (parts.Delay is not null) length += Measure(MessageProperties.DelayLevel, parts.Delay);
        if (parts.User is not null)
            foreach (var (name, value) in parts.User) length += Measure(name, value);
        if (parts.DeliverMs is not null) length += Measure(UnsupportedFeatures.TimerDeliverMs, parts.DeliverMs);

        // UTF-8 takes at least a byte per char: only a string that could be too big is counted in bytes.
        if (length * 3 > MessageProperties.MaxEncodedBytes && Utf8Bytes(parts) is var bytes && bytes > MessageProperties.MaxEncodedBytes)
            throw new RocketClientException($"message properties encode to {bytes} bytes; the limit is {MessageProperties.MaxEncodedBytes}");
        return string.Create((int)length, parts, [MethodImpl(MethodImplOptions.AggressiveOptimization)] static (span, p) =>
        {
            int at = 0;
            if (p.System is not null)
                foreach (var (name, value) in p.System) at = Write(span, at, name, value);
            if (p.Message.Tags is { } tags) at = Write(span, at, MessageProperties.Tags, tags);
            if (p.Keys is not null) at = Write(span, at, MessageProperties.Keys, p.Keys);
            at = Write(span, at, MessageProperties.UniqueKey, p.UniqueKey);
            if (p.Delay is not null) at = Write(span, at, MessageProperties.DelayLevel, p.Delay);
            if (p.User is not null)
                foreach (var (name, value) in p.User) at = Write(span, at, name, value);
            if (p.DeliverMs is not null) at = Write(span, at, UnsupportedFeatures.TimerDeliverMs, p.DeliverMs);
            if (at != span.Length) throw new InvalidOperationException("the message's properties changed while it was being sent");
        });
    }

    /// <summary>The pair's encoded length in chars, after the checks <see cref="MessageProperties.Encode"/> makes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Measure(string name, string value)
    {
        if (string.IsNullOrEmpty(name)) throw new RocketClientException("a message property name must not be empty");
        if (name.AsSpan().IndexOfAny(MessageProperties.NameValueSeparator, MessageProperties.PropertySeparator) >= 0 ||
            value.AsSpan().IndexOfAny(MessageProperties.NameValueSeparator, MessageProperties.PropertySeparator) >= 0)
            throw new RocketClientException($"message property '{name}' contains a reserved separator character (\\u0001 or \\u0002)");
        return name.Length + value.Length + 2;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Write(Span<char> span, int at, string name, string value)
    {
        name.CopyTo(span[at..]);
        at += name.Length;
        span[at++] = MessageProperties.NameValueSeparator;
        value.CopyTo(span[at..]);
        at += value.Length;
        span[at++] = MessageProperties.PropertySeparator;
        return at;
    }

    private static long Utf8Bytes(Parts p)
    {
        long bytes = 0;
        void Add(string name, string value) => bytes += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value) + 2;
        if (p.System is not null)
            foreach (var (name, value) in p.System) Add(name, value);
        if (p.Message.Tags is { } tags) Add(MessageProperties.Tags, tags);
        if (p.Keys is not null) Add(MessageProperties.Keys, p.Keys);
        Add(MessageProperties.UniqueKey, p.UniqueKey);
        if (p.Delay is not null) Add(MessageProperties.DelayLevel, p.Delay);
        if (p.User is not null)
            foreach (var (name, value) in p.User) Add(name, value);
        if (p.DeliverMs is not null) Add(UnsupportedFeatures.TimerDeliverMs, p.DeliverMs);
        return bytes;
    }
}
