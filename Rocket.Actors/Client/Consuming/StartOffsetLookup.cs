using Akka.Actor;
using Rocket.Protocol;
using Rocket.Remoting;

namespace Rocket.Client.Consuming;

/// <summary>
/// Where a newly owned queue starts: the group's stored offset on the broker (clustering), else the
/// ConsumeFrom policy applied to the queue's min/max offsets or timestamp search. A queue created after the consumer
/// started holds only messages sent after its start, so "from last" begins at its first offset there.
/// </summary>
internal static class StartOffsetLookup
{
    public static async Task<long> FindAsync(ActorSelection broker, ConsumerConfig config, MessageQueue queue, bool createdAfterStart, TimeSpan timeout)
    {
        if (config.Model == MessageModel.Clustering)
        {
            var stored = await RepeatedAsk.AskAsync<OffsetAnswer>(broker, new QueryOffset(config.Group, queue.Topic, queue.QueueId), timeout).ConfigureAwait(false);
            if (stored.Offset >= 0) return stored.Offset;
        }
        var offsets = await RepeatedAsk.AskAsync<QueueOffsets>(broker,
            new QueryQueueOffsets(queue.Topic, queue.QueueId, config.TimestampForPolicy), timeout).ConfigureAwait(false);
        return config.ConsumeFrom switch
        {
            ConsumeFrom.First => offsets.MinOffset,
            ConsumeFrom.Last when createdAfterStart => offsets.MinOffset,
            ConsumeFrom.Timestamp => offsets.AtTimestamp ?? offsets.MaxOffset,
            _ => offsets.MaxOffset,
        };
    }
}
