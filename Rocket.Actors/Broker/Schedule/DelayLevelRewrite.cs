using System.Globalization;
using System.Text;
using Rocket.Protocol;
using Rocket.Store.Format;

namespace Rocket.Broker.Schedule;

/// <summary>
/// The write-time side of delay levels (RocketMQ's way): a message with <c>DELAY</c>=L is stored in queue L − 1 of
/// <see cref="SystemTopics.Schedule"/>, its destination kept in <c>REAL_TOPIC</c> / <c>REAL_QID</c>, and the schedule
/// moves it to that destination when due. <see cref="Refusal"/> judges the property when a message is admitted;
/// <see cref="Park"/> rewrites an admitted one. Both leave a message without <c>DELAY</c> untouched, allocating nothing.
/// </summary>
public static class DelayLevelRewrite
{
    /// <summary>Why the message's <c>DELAY</c> cannot be honoured, or null (no delay, "0", or a level of the table).</summary>
    public static string? Refusal(string? properties, DelayLevelTable table)
    {
        var value = ValueOf(properties, MessageProperties.DelayLevel, out bool found);
        if (!found || value is "0") return null;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int level))
            return $"message property {MessageProperties.DelayLevel}='{value.ToString()}' is not a delay level (0 = none, 1..{table.Count})";
        if (level > table.Count)
            return $"delay level {level} is above the broker's message-delay-level table of {table.Count} levels (1..{table.Count}: {table})";
        if (ValueOf(properties, MessageProperties.TransactionPrepared, out _) is "true")
            return $"a transactional (half) message cannot have a delay level (message property {MessageProperties.DelayLevel}={level})";
        return null;
    }

    /// <summary>
    /// The message as stored: parked in the schedule topic when it has a delay level (already admitted by
    /// <see cref="Refusal"/>), else unchanged.
    /// </summary>
    public static MessageToStore Park(in MessageToStore message)
    {
        int level = LevelOf(message.Properties);
        if (level <= 0) return message;
        var parked = new StringBuilder(message.Properties!.Length + message.Topic.Length + 32);
        AppendExcept(parked, message.Properties, MessageProperties.RealTopic, MessageProperties.RealQueueId);
        parked.Append(MessageProperties.RealTopic).Append(MessageProperties.NameValueSeparator).Append(message.Topic).Append(MessageProperties.PropertySeparator)
            .Append(MessageProperties.RealQueueId).Append(MessageProperties.NameValueSeparator).Append(message.QueueId).Append(MessageProperties.PropertySeparator);
        return message with { Topic = SystemTopics.Schedule, QueueId = level - 1, Properties = parked.ToString() };
    }

    /// <summary>The delay level in the properties; 0 when there is none (or it is not a number: refused earlier).</summary>
    public static int LevelOf(string? properties)
    {
        var value = ValueOf(properties, MessageProperties.DelayLevel, out bool found);
        return found && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int level) ? level : 0;
    }

    /// <summary>Copies every property pair except those named, each followed by its separator.</summary>
    internal static void AppendExcept(StringBuilder to, string? properties, params ReadOnlySpan<string> dropped)
    {
        if (string.IsNullOrEmpty(properties)) return;
        var rest = properties.AsSpan();
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf(MessageProperties.PropertySeparator);
            var pair = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            if (pair.IsEmpty) continue;
            int separator = pair.IndexOf(MessageProperties.NameValueSeparator);
            var name = separator < 0 ? pair : pair[..separator];
            bool drop = false;
            foreach (var d in dropped) drop |= name.SequenceEqual(d);
            if (!drop) to.Append(pair).Append(MessageProperties.PropertySeparator);
        }
    }

    /// <summary>
    /// One property's value as a slice of the encoded string, without allocating. A vectorised search for
    /// "name\u0001" does the work, so a message without the property costs one fast pass and no pair-by-pair walk.
    /// </summary>
    internal static ReadOnlySpan<char> ValueOf(string? properties, string name, out bool found)
    {
        found = false;
        if (string.IsNullOrEmpty(properties)) return default;
        var all = properties.AsSpan();
        int from = 0;
        while (from < all.Length)
        {
            int at = all[from..].IndexOf(name, StringComparison.Ordinal);
            if (at < 0) return default;
            at += from;
            int valueStart = at + name.Length;
            // A whole name: at a pair's start and followed by the name/value separator.
            if ((at == 0 || all[at - 1] == MessageProperties.PropertySeparator)
                && valueStart < all.Length && all[valueStart] == MessageProperties.NameValueSeparator)
            {
                var value = all[(valueStart + 1)..];
                int end = value.IndexOf(MessageProperties.PropertySeparator);
                found = true;
                return end < 0 ? value : value[..end];
            }
            from = at + 1;
        }
        return default;
    }
}
