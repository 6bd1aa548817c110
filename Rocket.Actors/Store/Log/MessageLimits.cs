using System.Text;
using Rocket.Protocol;
using Rocket.Store.Format;

namespace Rocket.Store.Log;

/// <summary>
/// Checks one message against the store's limits before any byte is written. Each rejection names the limit,
/// so a producer sees exactly what to fix. The topic rule is the shared one, <see cref="ResourceNames"/>.
/// </summary>
public sealed class MessageLimits(int maxMessageSize, int maxPropertiesSize)
{
    public int MaxMessageSize { get; } = maxMessageSize;
    public int MaxPropertiesSize { get; } = maxPropertiesSize;

    /// <summary>Validates the message; on success returns the encoded property byte count.</summary>
    public bool TryCheck(in MessageToStore message, out int propertyBytes, out AppendResult rejection)
    {
        propertyBytes = 0;
        rejection = default;
        if (ResourceNames.CheckTopic(message.Topic) is { } topicError)
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
