using System.Collections.Concurrent;
using System.Text;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>Brokers killed and stopped under load.</summary>
[Collection(MultiProcess.LaneA)]
public class BrokerFailureTests(ITestOutputHelper output) : IDisposable
{
    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_broker_killed_with_sigkill_loses_no_acknowledged_message_and_consumers_resume_from_stored_offsets()
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a", flush: "SYNC_FLUSH");
        await using var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a");
        await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig("Durable", 4, 4));
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetRouteAsync("Durable")) is not null, "route of Durable");
        var producer = client.CreateProducer();

        // Phase 1: 500 messages, consumed and committed by group G.
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => producer.SendAsync(new Message("Durable", Encoding.UTF8.GetBytes($"p1-{i}")))));
        await using (var first = _cluster.Client())
        {
            var c = await Collector.StartAsync(first, "Durable", "G");
            await MultiProcess.AwaitAsync(() => Task.FromResult(c.Received.Count == 500), "phase-1 messages consumed");
            await c.Consumer.StopAsync(); // commits its offsets
        }
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetProgressAsync("G")).SelectMany(p => p.Queues).Sum(q => q.ConsumerOffset) == 500,
            "group G's offsets stored on the broker");

        // Phase 2: writers keep sending while the broker is killed; only acknowledged sends count.
        var acked = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                string body = $"p2-{w}-{i}";
                try
                {
                    await producer.SendAsync(new Message("Durable", Encoding.UTF8.GetBytes(body)));
                    acked.Add(body);
                }
                catch (RocketClientException) { await Task.Delay(20); }
            }
        })).ToArray();
        await MultiProcess.AwaitAsync(() => Task.FromResult(acked.Count >= 1000), "1000 acknowledged sends in phase 2");
        _cluster.Kill("broker-a"); // SIGKILL mid-stream
        await Task.Delay(200); // let in-flight sends fail
        stop.Cancel();
        await Task.WhenAll(writers);
        output.WriteLine($"{acked.Count} sends acknowledged before the kill");

        _cluster.StartBroker("broker-a", flush: "SYNC_FLUSH");
        await using var second = _cluster.Client();
        var resumed = await Collector.StartAsync(second, "Durable", "G");
        var expected = acked.ToHashSet();
        await MultiProcess.AwaitAsync(() => Task.FromResult(expected.All(resumed.Received.ContainsKey)),
            "every acknowledged phase-2 message after the restart", TimeSpan.FromSeconds(90));
        Assert.DoesNotContain(resumed.Received.Keys, k => k.StartsWith("p1-", StringComparison.Ordinal)); // resumed from stored offsets
        await resumed.Consumer.StopAsync();
    }

    [Fact]
    public async Task A_stopped_broker_leaves_the_routes_and_sends_go_to_the_other()
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a");
        _cluster.StartBroker("broker-b");
        await using var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a", "broker-b");
        await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig("Failover", 4, 4));
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetRouteAsync("Failover"))?.Queues.Length == 2, "route on both brokers");

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        _cluster.Kill("broker-b");
        await MultiProcess.AwaitAsync(async () =>
        {
            var view = await client.Admin.GetClusterViewAsync();
            return view.Brokers.All(b => b.BrokerName != "broker-b");
        }, "broker-b gone from the routes", TimeSpan.FromSeconds(30));
        output.WriteLine($"broker-b left the routes {stopwatch.Elapsed.TotalSeconds:F1} s after it was killed");

        var producer = client.CreateProducer();
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => producer.SendAsync(new Message("Failover", Encoding.UTF8.GetBytes($"f{i}")))));
        Assert.All(results, r => Assert.Equal("broker-a", r.BrokerName));
    }
}
