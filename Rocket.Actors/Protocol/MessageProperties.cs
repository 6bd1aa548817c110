using System.Text;

namespace Rocket.Protocol;

/// <summary>
/// RocketMQ's properties string: <c>name\u0001value\u0002name\u0001value\u0002…</c>, UTF-8 on disk.
/// The names below are the system keys the store itself reads.
/// </summary>
public static class MessageProperties
{
    public const char NameValueSeparator = '\u0001';
    public const char PropertySeparator = '\u0002';

    public const string Tags = "TAGS";
    public const string Keys = "KEYS";
    public const string UniqueKey = "UNIQ_KEY";
    public const string DelayLevel = "DELAY";
    public const string WaitStoreOk = "WAIT";

    // Set by the broker on messages it parks in an internal topic (SystemTopics) or moves between topics.
    /// <summary>Where a parked message goes when it is due or committed.</summary>
    public const string RealTopic = "REAL_TOPIC";
    public const string RealQueueId = "REAL_QID";
    /// <summary>On a retry message: the topic it was first sent to (the client shows the message under that topic).</summary>
    public const string RetryTopic = "RETRY_TOPIC";
    /// <summary>On a retry or dead-letter message: the id of the message as first sent.</summary>
    public const string OriginMessageId = "ORIGIN_MESSAGE_ID";
    /// <summary>On a message a producer writes to a retry topic: how often it was consumed before (RocketMQ's name).</summary>
    public const string ReconsumeTime = "RECONSUME_TIME";
    /// <summary>On a message a producer writes to a retry topic: the group's max-reconsume-times (RocketMQ's name).</summary>
    public const string MaxReconsumeTimes = "MAX_RECONSUME_TIMES";
    /// <summary>On a timer message: its due time, epoch ms.</summary>
    public const string TimerOutMs = "TIMER_OUT_MS";
    /// <summary>"true" on a half (prepared) transactional message, as a transaction producer sends it.</summary>
    public const string TransactionPrepared = "TRAN_MSG";
    /// <summary>On a half message: the producer group that can be asked to check its transaction.</summary>
    public const string ProducerGroup = "PGROUP";
    /// <summary>On a half message: how often its transaction was checked back.</summary>
    public const string TransactionCheckTimes = "TRANSACTION_CHECK_TIMES";

    /// <summary>Maximum encoded size of the properties string in bytes (RocketMQ: a signed short).</summary>
    public const int MaxEncodedBytes = short.MaxValue;

    public static string Encode(IEnumerable<KeyValuePair<string, string>> properties)
    {
        var sb = new StringBuilder();
        foreach (var (name, value) in properties)
        {
            if (string.IsNullOrEmpty(name))
                throw new ArgumentException("a message property name must not be empty");
            if (name.AsSpan().IndexOfAny(NameValueSeparator, PropertySeparator) >= 0 ||
                value.AsSpan().IndexOfAny(NameValueSeparator, PropertySeparator) >= 0)
                throw new ArgumentException($"message property '{name}' contains a reserved separator character (\\u0001 or \\u0002)");
            sb.Append(name).Append(NameValueSeparator).Append(value).Append(PropertySeparator);
        }
        return sb.ToString();
    }

    /// <summary>Every property; a pair without a name is skipped and a repeated name keeps its last value.</summary>
    public static Dictionary<string, string> Decode(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded)) return new Dictionary<string, string>(StringComparer.Ordinal);
        // Sized once and walked in place: no array of pair strings, no rehashing.
        var result = new Dictionary<string, string>(encoded.AsSpan().Count(PropertySeparator) + 1, StringComparer.Ordinal);
        var rest = encoded.AsSpan();
        int position = 0;
        while (position < encoded.Length)
        {
            int end = rest[position..].IndexOf(PropertySeparator);
            var pair = end < 0 ? rest[position..] : rest.Slice(position, end);
            int sep = pair.IndexOf(NameValueSeparator);
            if (sep > 0) result[KnownName(pair[..sep]) ?? pair[..sep].ToString()] = pair[(sep + 1)..].ToString();
            if (end < 0) break;
            position += end + 1;
        }
        return result;
    }

    /// <summary>The system names every message carries, without allocating a copy of them.</summary>
    private static string? KnownName(ReadOnlySpan<char> name) =>
        name.SequenceEqual(UniqueKey) ? UniqueKey : name.SequenceEqual(Tags) ? Tags : name.SequenceEqual(Keys) ? Keys : null;

    /// <summary>The value <see cref="Decode"/> would hold for <paramref name="name"/> (the last one), without building a dictionary.</summary>
    public static string? GetLast(string? encoded, string name)
    {
        if (encoded is null || string.IsNullOrEmpty(name)) return null;
        var all = encoded.AsSpan();
        int position = 0, start = 0, length = -1;
        while (position < all.Length)
        {
            var rest = all[position..];
            int end = rest.IndexOf(PropertySeparator);
            var pair = end < 0 ? rest : rest[..end];
            int sep = pair.IndexOf(NameValueSeparator);
            if (sep >= 0 && pair[..sep].SequenceEqual(name)) (start, length) = (position + sep + 1, pair.Length - sep - 1);
            if (end < 0) break;
            position += end + 1;
        }
        return length < 0 ? null : encoded.Substring(start, length);
    }

    /// <summary>Finds one property in an encoded string without building a dictionary.</summary>
    public static string? Get(string? encoded, string name) =>
        encoded is null ? null : Find(encoded.AsSpan(), name) is var (start, length) && length >= 0
            ? encoded.Substring(start, length) : null;

    /// <summary>Finds one property value (as a UTF-8 slice) in the encoded bytes of a stored record.</summary>
    public static ReadOnlySpan<byte> GetUtf8(ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> name, out bool found)
    {
        int position = 0;
        while (position < encoded.Length)
        {
            var rest = encoded[position..];
            int end = rest.IndexOf((byte)PropertySeparator);
            var pair = end < 0 ? rest : rest[..end];
            int sep = pair.IndexOf((byte)NameValueSeparator);
            if (sep >= 0 && pair[..sep].SequenceEqual(name))
            {
                found = true;
                return pair[(sep + 1)..];
            }
            if (end < 0) break;
            position += end + 1;
        }
        found = false;
        return default;
    }

    private static (int start, int length) Find(ReadOnlySpan<char> encoded, string name)
    {
        int position = 0;
        while (position < encoded.Length)
        {
            var rest = encoded[position..];
            int end = rest.IndexOf(PropertySeparator);
            var pair = end < 0 ? rest : rest[..end];
            int sep = pair.IndexOf(NameValueSeparator);
            if (sep >= 0 && pair[..sep].SequenceEqual(name)) return (position + sep + 1, pair.Length - sep - 1);
            if (end < 0) break;
            position += end + 1;
        }
        return (0, -1);
    }
}
