using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>A message as a consumer receives it.</summary>
public sealed class ReceivedMessage
{
    internal ReceivedMessage(PulledMessage pulled, MessageQueue queue, int reconsumeTimes = 0)
    {
        Pulled = pulled;
        Queue = queue;
        Properties = MessageProperties.Decode(pulled.Properties);
        ReconsumeTimes = Math.Max(reconsumeTimes, pulled.ReconsumeTimes);
    }

    internal PulledMessage Pulled { get; }

    /// <summary>The queue the message was pulled from (a pull response names it once for all its messages).</summary>
    public MessageQueue Queue { get; }

    /// <summary>
    /// The topic the message was sent to. A message coming back through a retry topic shows its original topic
    /// (RETRY_TOPIC) here; <see cref="Queue"/> names the retry topic it was pulled from.
    /// </summary>
    public string Topic => SystemTopics.IsRetryTopic(Queue.Topic) && Properties.GetValueOrDefault(MessageProperties.RetryTopic) is { } original
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

    /// <summary>All properties, system ones (TAGS, KEYS, UNIQ_KEY) included.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    public string? Tags => Properties.GetValueOrDefault(MessageProperties.Tags);
    public string? Keys => Properties.GetValueOrDefault(MessageProperties.Keys);

    /// <summary>The producer's unique id (UNIQ_KEY).</summary>
    public string? MessageId => Properties.GetValueOrDefault(MessageProperties.UniqueKey);

    internal ReceivedMessage Redelivered() => new(Pulled, Queue, ReconsumeTimes + 1);
}
