using System.Text;
using System.Text.RegularExpressions;
using Rocket.Protocol;
using Rocket.Store.Format;

namespace Rocket.Client.Producing;

/// <summary>
/// Client-side checks (RocketMQ's Validators) so that a bad message fails at the call site, before anything is
/// sent, with a message that names the problem.
/// </summary>
internal static partial class MessageValidator
{
    public const int MaxTopicLength = 127;
    public const int MaxGroupLength = 255;
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    private static readonly HashSet<string> ReservedProperties = new(StringComparer.Ordinal)
    {
        MessageProperties.Tags, MessageProperties.Keys, MessageProperties.UniqueKey,
        MessageProperties.DelayLevel, MessageProperties.WaitStoreOk,
    };

    [GeneratedRegex("^[%|a-zA-Z0-9_-]+$")]
    private static partial Regex NameCharacters();

    public static void ValidateTopic(string? topic)
    {
        if (string.IsNullOrWhiteSpace(topic)) throw new RocketClientException("the topic must not be blank");
        if (topic.Length > MaxTopicLength)
            throw new RocketClientException($"topic '{topic[..20]}…' is {topic.Length} characters long; at most {MaxTopicLength} are allowed");
        if (!NameCharacters().IsMatch(topic))
            throw new RocketClientException($"topic '{topic}' contains illegal characters; allowed are letters, digits, '_', '-', '%' and '|'");
    }

    public static void ValidateGroup(string? group)
    {
        if (string.IsNullOrWhiteSpace(group)) throw new RocketClientException("the group must not be blank");
        if (group.Length > MaxGroupLength)
            throw new RocketClientException($"group name is {group.Length} characters long; at most {MaxGroupLength} are allowed");
        if (!NameCharacters().IsMatch(group))
            throw new RocketClientException($"group '{group}' contains illegal characters; allowed are letters, digits, '_', '-', '%' and '|'");
    }

    /// <summary>Checks one message and returns its encoded properties size in bytes.</summary>
    public static void Validate(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ValidateTopic(message.Topic);
        if (message.Body is null || message.Body.Length == 0)
            throw new RocketClientException($"message body for topic '{message.Topic}' is empty; a message must carry at least one byte");
        if (message.Body.Length > MaxBodyBytes)
            throw new RocketClientException($"message body is {message.Body.Length} bytes; the limit is {MaxBodyBytes} bytes (4 MiB)");
        if (message.Tags is not null && (message.Tags.Contains("||", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(message.Tags)))
            throw new RocketClientException($"tag '{message.Tags}' is illegal: one non-blank tag per message, without '||'");
        if (message.DelayLevel is < 0)
            throw new RocketClientException($"delay level {message.DelayLevel} is negative");
        if (message.DelayLevel is > 0)
            throw new RocketClientException(
                $"delay levels are not supported yet: the message for topic '{message.Topic}' has DelayLevel {message.DelayLevel}; send it without one",
                RocketErrorCode.NotSupported);
        foreach (var (name, value) in message.Properties)
        {
            if (UnsupportedFeatures.Refusal(name, value) is { } refusal)
                throw new RocketClientException($"{refusal}; the message for topic '{message.Topic}' was not sent", RocketErrorCode.NotSupported);
            if (ReservedProperties.Contains(name))
                throw new RocketClientException($"property '{name}' is reserved by the system; use the Message members (Tags, Keys, DelayLevel) instead");
            if (string.IsNullOrWhiteSpace(name) || value is null)
                throw new RocketClientException("property names must not be blank and values must not be null");
        }
    }

    public static void ValidateBatch(IReadOnlyList<Message> messages)
    {
        if (messages is null || messages.Count == 0) throw new RocketClientException("a batch needs at least one message");
        long total = 0;
        foreach (var m in messages)
        {
            Validate(m);
            if (m.Topic != messages[0].Topic)
                throw new RocketClientException($"a batch must have one topic; found '{messages[0].Topic}' and '{m.Topic}'");
            total += m.Body.Length;
        }
        if (total > MaxBodyBytes)
            throw new RocketClientException($"batch bodies total {total} bytes; the limit is {MaxBodyBytes} bytes (4 MiB)");
    }

    /// <summary>Encodes the properties string and checks its size (the broker's limit is a signed short).</summary>
    public static string EncodeProperties(Message message, string uniqueKey)
    {
        var all = new List<KeyValuePair<string, string>>(message.Properties.Count + 4);
        if (message.Tags is not null) all.Add(new(MessageProperties.Tags, message.Tags));
        if (!string.IsNullOrWhiteSpace(message.Keys)) all.Add(new(MessageProperties.Keys, message.Keys));
        all.Add(new(MessageProperties.UniqueKey, uniqueKey));
        all.AddRange(message.Properties);
        string encoded;
        try { encoded = MessageProperties.Encode(all); }
        catch (ArgumentException e) { throw new RocketClientException(e.Message, e); }
        int bytes = Encoding.UTF8.GetByteCount(encoded);
        if (bytes > MessageProperties.MaxEncodedBytes)
            throw new RocketClientException($"message properties encode to {bytes} bytes; the limit is {MessageProperties.MaxEncodedBytes}");
        return encoded;
    }
}
