using System.Collections.Concurrent;
using System.Text;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>Real seed and broker processes; a client in the test process.</summary>
[Collection(MultiProcess.Collection)]
public class ClusterEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    private RocketClient Client() => RocketClient.Create(new ClientSettings { Seeds = [_cluster.Seeds], SendTimeout = TimeSpan.FromSeconds(10) });

    [Fact]
    public async Task Messages_sent_to_two_brokers_are_all_received_by_a_group_of_two_consumers()
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a");
        _cluster.StartBroker("broker-b");
        await using var client = Client();
        var created = await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig("E2E", 4, 4));
        Assert.Equal(2, created.Count(r => r.Ok));
        await MultiProcess.AwaitAsync(async () => (await client.GetRouteAsync("E2E"))?.Queues.Length == 2, "route of E2E on both brokers");

        const int count = 10_000;
        var producer = client.CreateProducer();
        var sends = Enumerable.Range(0, count).Select(i => producer.SendAsync(new Message("E2E", Encoding.UTF8.GetBytes($"m{i}")))).ToArray();
        var results = await Task.WhenAll(sends);
        Assert.All(results, r => Assert.Equal(SendStatus.SendOk, r.Status));
        Assert.Equal(2, results.Select(r => r.BrokerName).Distinct().Count());

        var received = new ConcurrentDictionary<string, int>();
        var consumers = new List<PushConsumer>();
        for (int c = 0; c < 2; c++)
        {
            var consumer = client.CreatePushConsumer(new PushConsumerOptions("G1") { ConsumeFrom = ConsumeFrom.First });
            consumer.Subscribe("E2E", "*");
            consumer.RegisterHandler(batch =>
            {
                foreach (var m in batch) received.AddOrUpdate(Encoding.UTF8.GetString(m.Body), 1, (_, n) => n + 1);
                return ConsumeResult.Success;
            });
            await consumer.StartAsync();
            consumers.Add(consumer);
        }
        await MultiProcess.AwaitAsync(() => Task.FromResult(received.Count == count), $"all {count} messages consumed", TimeSpan.FromSeconds(60));
        int duplicates = received.Values.Sum(n => n - 1);
        output.WriteLine($"received {received.Count} unique, {duplicates} duplicates");
        foreach (var c in consumers) await c.StopAsync();
    }
}
