using System.Runtime.CompilerServices;
using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>A message as a consumer receives it.</summary>
public sealed class ReceivedMessage
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal ReceivedMessage(PulledMessage pulled, MessageQueue queue, int reconsumeTimes = 0)
    {
        Pulled = pulled;
        Queue = queue;
        ReconsumeTimes = Math.Max(reconsumeTimes, pulled.ReconsumeTimes);
    }

    internal PulledMessage Pulled { get; }

    /// <summary>The queue the message was pulled from (a pull response names it once for all its messages).</summary>
    public MessageQueue Queue { get; }

    /// <summary>
    /// The topic the message was sent to. A message coming back through a retry topic shows its original topic
    /// (RETRY_TOPIC) here; <see cref="Queue"/> names the retry topic it was pulled from.
    /// </summary>
    public string Topic => SystemTopics.IsRetryTopic(Queue.Topic) && Property(MessageProperties.RetryTopic) is { } original
        ? original : Queue.Topic;
    public string BrokerName => Queue.BrokerName;
    public int QueueId => Queue.QueueId;
    public long QueueOffset => Pulled.QueueOffset;
    public byte[] Body => Pulled.Body;
    public long BornTimestamp => Pulled.BornTimestamp;
    public long StoreTimestamp => Pulled.StoreTimestamp;

    /// <summary>
    /// How often this message was handed to a handler before (RetryLater): the broker's count (grown by each send-back),
    /// or, while this consumer redelivers it itself, its local count.
    /// </summary>
    public int ReconsumeTimes { get; }

    // Decoded on first use: most handlers read only the body, and a dictionary per message cost about 400 bytes.
    private IReadOnlyDictionary<string, string>? _properties;

    /// <summary>All properties, system ones (TAGS, KEYS, UNIQ_KEY) included.</summary>
    public IReadOnlyDictionary<string, string> Properties => Volatile.Read(ref _properties) ?? DecodeProperties();

    public string? Tags => Property(MessageProperties.Tags);
    public string? Keys => Property(MessageProperties.Keys);

    /// <summary>The producer's unique id (UNIQ_KEY).</summary>
    public string? MessageId => Property(MessageProperties.UniqueKey);

    /// <summary>One property: from the decoded properties once they exist, else found in place (no dictionary built).</summary>
    private string? Property(string name) => Volatile.Read(ref _properties) is { } decoded
        ? decoded.GetValueOrDefault(name)
        : MessageProperties.GetLast(Pulled.Properties, name);

    private IReadOnlyDictionary<string, string> DecodeProperties()
    {
        var decoded = MessageProperties.Decode(Pulled.Properties);
        return Interlocked.CompareExchange(ref _properties, decoded, null) ?? decoded; // two first readers: one copy wins
    }

    internal ReceivedMessage Redelivered() => new(Pulled, Queue, ReconsumeTimes + 1);
}
