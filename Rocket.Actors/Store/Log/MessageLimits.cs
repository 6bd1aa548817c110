using System.Buffers;
using System.Text;
using Rocket.Store.Format;
using Rocket.Store.Journal;

namespace Rocket.Store.Log;

/// <summary>
/// Checks one message against the store's limits before any byte is written. Each rejection names the limit,
/// so a producer sees exactly what to fix. Topic rules are RocketMQ's: [%|a-zA-Z0-9_-], at most 127 characters.
/// </summary>
public sealed class MessageLimits(int maxMessageSize, int maxPropertiesSize)
{
    private static readonly SearchValues<char> TopicChars =
        SearchValues.Create("%|abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

    public int MaxMessageSize { get; } = maxMessageSize;
    public int MaxPropertiesSize { get; } = maxPropertiesSize;

    /// <summary>Null when the topic name is valid, else the reason.</summary>
    public static string? CheckTopic(string? topic)
    {
        if (string.IsNullOrEmpty(topic)) return "topic name must not be empty";
        if (topic.Length > MessageRecord.MaxTopicBytes)
            return $"topic name '{topic[..20]}…' is {topic.Length} characters; the limit is {MessageRecord.MaxTopicBytes}";
        if (topic.AsSpan().IndexOfAnyExcept(TopicChars) >= 0)
            return $"topic name '{topic}' has characters outside [%|a-zA-Z0-9_-]";
        return null;
    }

    /// <summary>Validates the message; on success returns the encoded property byte count.</summary>
    public bool TryCheck(in MessageToStore message, out int propertyBytes, out AppendResult rejection)
    {
        propertyBytes = 0;
        rejection = default;
        if (CheckTopic(message.Topic) is { } topicError)
        {
            rejection = AppendResult.Failed(AppendStatus.MessageIllegal, topicError);
            return false;
        }
        if (message.QueueId < 0)
        {
            rejection = AppendResult.Failed(AppendStatus.MessageIllegal, $"queue id {message.QueueId} is negative");
            return false;
        }
        int body = message.Body.Length;
        if (body == 0)
        {
            rejection = AppendResult.Failed(AppendStatus.MessageIllegal, "message body is empty");
            return false;
        }
        if (body > MaxMessageSize)
        {
            rejection = AppendResult.Failed(AppendStatus.MessageIllegal,
                $"message body is {body} bytes; max-message-size is {MaxMessageSize} bytes");
            return false;
        }
        if (message.Properties is { Length: > 0 } properties)
        {
            propertyBytes = Encoding.UTF8.GetByteCount(properties);
            if (propertyBytes > MaxPropertiesSize)
            {
                rejection = AppendResult.Failed(AppendStatus.PropertiesSizeExceeded,
                    $"message properties are {propertyBytes} bytes; max-properties-size is {MaxPropertiesSize} bytes");
                return false;
            }
        }
        return true;
    }
}
