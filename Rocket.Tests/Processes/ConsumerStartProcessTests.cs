using System.Collections.Concurrent;
using System.Text;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Processes;

/// <summary>Against a real seed and broker: whatever ConsumeFrom, nothing sent after StartAsync returns is skipped.</summary>
[Collection(MultiProcess.LaneA)]
public sealed class ConsumerStartProcessTests : IDisposable
{
    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Messages_sent_right_after_StartAsync_all_arrive_from_first_last_and_a_timestamp()
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a");
        await using var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a");
        Assert.All(await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig("StartTopic", 8, 8)), r => Assert.True(r.Ok, r.Error));
        await client.Admin.WaitForTopicAsync("StartTopic", TimeSpan.FromSeconds(30));
        var producer = client.CreateProducer();
        for (int i = 0; i < 16; i++) await producer.SendAsync(new Message("StartTopic", Encoding.UTF8.GetBytes($"old-{i}")));

        foreach (var from in new[] { ConsumeFrom.Last, ConsumeFrom.First, ConsumeFrom.Timestamp })
        {
            var received = new ConcurrentQueue<string>();
            var consumer = client.CreatePushConsumer(new PushConsumerOptions($"Start{from}")
                {
                    ConsumeFrom = from, ConsumeTimestamp = DateTimeOffset.UtcNow.AddSeconds(1), // later than every old message
                })
                .Subscribe("StartTopic")
                .RegisterHandler(batch =>
                {
                    foreach (var m in batch) received.Enqueue(Encoding.UTF8.GetString(m.Body));
                    return ConsumeResult.Success;
                });
            await consumer.StartAsync();
            // At once, on every queue (round robin): each must arrive.
            for (int i = 0; i < 16; i++) await producer.SendAsync(new Message("StartTopic", Encoding.UTF8.GetBytes($"{from}-{i}")));

            await MultiProcess.AwaitAsync(() => Task.FromResult(received.Count(b => b.StartsWith($"{from}-")) == 16),
                $"the 16 messages sent right after StartAsync ({from})");
            if (from == ConsumeFrom.First)
                await MultiProcess.AwaitAsync(() => Task.FromResult(received.Count(b => b.StartsWith("old-")) == 16), "the 16 older messages (first)");
            else
                Assert.DoesNotContain(received, b => b.StartsWith("old-"));
            await consumer.StopAsync();
        }
    }
}
