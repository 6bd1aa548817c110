using System.Runtime.CompilerServices;
using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// Client-side checks (RocketMQ's Validators) so that a bad message fails at the call site, before anything is
/// sent, with a message that names the problem. Names follow the shared rule (<see cref="ResourceNames"/>); the
/// body limit is the client's setting <c>rocket.client.max-message-size</c> (the broker enforces its own).
/// </summary>
internal static class MessageValidator
{
    private const string MaxMessageSizeKey = "rocket.client.max-message-size";

    private static readonly HashSet<string> ReservedProperties = new(StringComparer.Ordinal)
    {
        MessageProperties.Tags, MessageProperties.Keys, MessageProperties.UniqueKey,
        MessageProperties.DelayLevel, MessageProperties.WaitStoreOk,
        UnsupportedFeatures.TimerDeliverMs, UnsupportedFeatures.TimerDelayMs, UnsupportedFeatures.TimerDelaySec,
    };

    // Only a TransactionProducer sets these (a half message without its group could never be checked back).
    private static readonly HashSet<string> TransactionProperties = new(StringComparer.Ordinal)
    {
        MessageProperties.TransactionPrepared, MessageProperties.ProducerGroup, MessageProperties.TransactionCheckTimes,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ValidateTopic(string? topic)
    {
        if (ResourceNames.CheckTopic(topic) is { } error) throw new RocketClientException(error);
    }

    public static void ValidateGroup(string? group)
    {
        if (ResourceNames.CheckGroup(group) is { } error) throw new RocketClientException(error);
    }

    /// <summary>Checks one message against the shared rules and the client's <paramref name="maxMessageSize"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Validate(Message message, int maxMessageSize, long timerMaxDelaySec = long.MaxValue / 1000)
    {
        ArgumentNullException.ThrowIfNull(message);
        ValidateTopic(message.Topic);
        if (SystemTopics.IsInternal(message.Topic)) throw new RocketClientException(InternalTopicRefusals.Send(message.Topic));
        if (message.Body is null || message.Body.Length == 0)
            throw new RocketClientException($"message body for topic '{message.Topic}' is empty; a message must carry at least one byte");
        if (message.Body.Length > maxMessageSize)
            throw new RocketClientException($"message body is {message.Body.Length} bytes; {MaxMessageSizeKey} is {maxMessageSize} bytes");
        if (message.Tags is not null && (message.Tags.Contains("||", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(message.Tags)))
            throw new RocketClientException($"tag '{message.Tags}' is illegal: one non-blank tag per message, without '||'");
        if (message.DelayLevel is < 0)
            throw new RocketClientException($"delay level {message.DelayLevel} is negative");
        TimerValidator.Validate(message, timerMaxDelaySec);
        if (message.UserProperties is not { Count: > 0 } properties) return;
        foreach (var (name, value) in properties)
        {
            if (UnsupportedFeatures.Refusal(name, value) is { } refusal)
                throw new RocketClientException($"{refusal}; the message for topic '{message.Topic}' was not sent", RocketErrorCode.NotSupported);
            if (TransactionProperties.Contains(name))
                throw new RocketClientException(
                    $"property '{name}' is set by a transaction producer: send transactional messages with TransactionProducer.SendMessageInTransactionAsync");
            if (ReservedProperties.Contains(name))
                throw new RocketClientException($"property '{name}' is reserved by the system; use the Message members (Tags, Keys, DelayLevel, DeliverAt, DeliverAfter) instead");
            if (string.IsNullOrWhiteSpace(name) || value is null)
                throw new RocketClientException("property names must not be blank and values must not be null");
        }
    }

    public static void ValidateBatch(IReadOnlyList<Message> messages, int maxMessageSize, long timerMaxDelaySec = long.MaxValue / 1000)
    {
        if (messages is null || messages.Count == 0) throw new RocketClientException("a batch needs at least one message");
        long total = 0;
        foreach (var m in messages)
        {
            Validate(m, maxMessageSize, timerMaxDelaySec);
            if (m.Topic != messages[0].Topic)
                throw new RocketClientException($"a batch must have one topic; found '{messages[0].Topic}' and '{m.Topic}'");
            total += m.Body.Length;
        }
        if (total > maxMessageSize)
            throw new RocketClientException($"batch bodies total {total} bytes; {MaxMessageSizeKey} is {maxMessageSize} bytes");
    }

    /// <summary>Encodes the properties string and checks its size (the broker's limit is a signed short).</summary>
    /// <param name="system">Properties the client itself adds (a transaction producer's TRAN_MSG and PGROUP).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string EncodeProperties(Message message, string uniqueKey, KeyValuePair<string, string>[]? system = null) =>
        PropertiesEncoder.Encode(message, uniqueKey, system);
}
