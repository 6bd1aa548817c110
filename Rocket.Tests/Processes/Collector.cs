using System.Collections.Concurrent;
using System.Text;
using Rocket.Client;

namespace Rocket.Tests.Processes;

/// <summary>A push consumer that records every body it receives (and how often).</summary>
public sealed class Collector
{
    public ConcurrentDictionary<string, int> Received { get; } = new();
    public PushConsumer Consumer { get; }

    private Collector(PushConsumer consumer) => Consumer = consumer;

    public static async Task<Collector> StartAsync(RocketClient client, string topic, string group,
        ConsumeFrom from = ConsumeFrom.First, Protocol.MessageModel model = Protocol.MessageModel.Clustering, string? offsetStoreDir = null)
    {
        var consumer = client.CreatePushConsumer(new PushConsumerOptions(group) { ConsumeFrom = from, MessageModel = model, LocalOffsetStoreDir = offsetStoreDir });
        var collector = new Collector(consumer);
        consumer.Subscribe(topic, "*");
        consumer.RegisterHandler(batch =>
        {
            foreach (var m in batch) collector.Received.AddOrUpdate(Encoding.UTF8.GetString(m.Body), 1, (_, n) => n + 1);
            return ConsumeResult.Success;
        });
        await consumer.StartAsync();
        return collector;
    }

    public int Duplicates => Received.Values.Sum(n => n - 1);
}
