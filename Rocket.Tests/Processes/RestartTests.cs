using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>
/// Brokers and seeds stopped (SIGKILL or SIGTERM) and started again at once on their own address and store, as a
/// process manager does (issue 7): back in the cluster, serving sends and pulls within 20 s of the start, nothing
/// acknowledged lost.
/// </summary>
[Collection(MultiProcess.Collection)]
public class RestartTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The requirement: from process start to serving sends and pulls.</summary>
    private static readonly TimeSpan ServingWithin = TimeSpan.FromSeconds(20);

    private RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Theory]
    [InlineData("SIGKILL", 5)]
    [InlineData("SIGTERM", 2)]
    public async Task A_broker_restarted_on_its_own_port_under_send_load_serves_again_within_20_s_and_loses_no_acknowledged_message(string signal, int restarts)
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a");
        _cluster.StartBroker("broker-b");
        await using var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a", "broker-b");
        await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig("Restart", 4, 4));
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetRouteAsync("Restart"))?.Queues.Length == 2, "route on both brokers");

        // A live consumer group the whole time: its first message from the new broker-a is the first served pull.
        long firstPullFromA = long.MaxValue; // Stopwatch ticks of the newest restart's first pulled message
        long restartedAtMs = long.MaxValue;  // wall clock (store timestamps) when the newest restart began
        var live = client.CreatePushConsumer(new PushConsumerOptions("Live") { ConsumeFrom = ConsumeFrom.First });
        live.Subscribe("Restart", "*");
        live.RegisterHandler(batch =>
        {
            foreach (var m in batch)
                if (m.BrokerName == "broker-a" && m.StoreTimestamp >= Volatile.Read(ref restartedAtMs))
                    Interlocked.CompareExchange(ref firstPullFromA, Stopwatch.GetTimestamp(), long.MaxValue);
            return ConsumeResult.Success;
        });
        await live.StartAsync();

        // Writers send unique bodies the whole time; only acknowledged sends count.
        var producer = client.CreateProducer();
        var acked = new ConcurrentDictionary<string, string>(); // body -> broker
        long firstAckFromA = long.MaxValue;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                string body = $"w{w}-{i}";
                try
                {
                    var result = await producer.SendAsync(new Message("Restart", Encoding.UTF8.GetBytes(body)));
                    acked[body] = result.BrokerName;
                    if (result.BrokerName == "broker-a") Interlocked.CompareExchange(ref firstAckFromA, Stopwatch.GetTimestamp(), long.MaxValue);
                }
                catch (RocketClientException) { await Task.Delay(20); }
            }
        })).ToArray();

        var report = new List<string>();
        for (int round = 1; round <= restarts; round++)
        {
            int ackedBefore = acked.Count;
            await MultiProcess.AwaitAsync(() => Task.FromResult(acked.Count >= ackedBefore + 500), $"500 more acknowledged sends before restart {round}");
            if (signal == "SIGKILL") _cluster.Kill("broker-a");
            else Assert.Equal(0, _cluster.Terminate("broker-a"));

            Volatile.Write(ref firstAckFromA, long.MaxValue);
            Volatile.Write(ref firstPullFromA, long.MaxValue);
            Volatile.Write(ref restartedAtMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            long started = Stopwatch.GetTimestamp();
            _cluster.StartBroker("broker-a");
            var ready = _cluster.LastStartToReady;
            await MultiProcess.AwaitAsync(() => Task.FromResult(Volatile.Read(ref firstAckFromA) != long.MaxValue && Volatile.Read(ref firstPullFromA) != long.MaxValue),
                $"broker-a serving sends and pulls after restart {round}", TimeSpan.FromSeconds(60));
            var send = Stopwatch.GetElapsedTime(started, firstAckFromA);
            var pull = Stopwatch.GetElapsedTime(started, firstPullFromA);
            string line = $"{signal} restart {round}: ready {ready.TotalSeconds:F1} s, first acknowledged send {send.TotalSeconds:F1} s, first served pull {pull.TotalSeconds:F1} s after the process started";
            output.WriteLine(line);
            report.Add(line);
            Assert.True(send <= ServingWithin && pull <= ServingWithin, line);
        }

        stop.Cancel();
        await Task.WhenAll(writers);
        await live.StopAsync();
        output.WriteLine($"{acked.Count} sends acknowledged ({acked.Values.Count(b => b == "broker-a")} by broker-a)");

        // Every acknowledged message, per message, with a fresh group from the first offset.
        await using var reader = _cluster.Client();
        var all = await Collector.StartAsync(reader, "Restart", "Final");
        var expected = acked.Keys.ToArray();
        try
        {
            await MultiProcess.AwaitAsync(() => Task.FromResult(expected.All(all.Received.ContainsKey)),
                "every acknowledged message consumed by a fresh group", TimeSpan.FromSeconds(90));
        }
        finally
        {
            var missing = expected.Where(b => !all.Received.ContainsKey(b)).ToArray();
            if (missing.Length > 0)
                output.WriteLine($"{missing.Length} acknowledged messages missing, e.g. {string.Join(", ", missing.Take(10).Select(b => $"{b} ({acked[b]})"))}");
        }
        await all.Consumer.StopAsync();
    }

    [Fact]
    public async Task A_seed_of_two_restarted_on_its_own_port_serves_routes_again_and_brokers_and_clients_keep_working()
    {
        _cluster.Dispose();
        _cluster = new RocketCluster(seeds: 2);
        _cluster.StartSeed(0);
        _cluster.StartSeed(1);
        _cluster.StartBroker("broker-a");
        _cluster.StartBroker("broker-b");
        await using var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a", "broker-b");
        await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig("Seeds", 4, 4));
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetRouteAsync("Seeds"))?.Queues.Length == 2, "route on both brokers");
        var producer = client.CreateProducer();
        var consumer = await Collector.StartAsync(client, "Seeds", "G");
        int sent = 0;

        // The second seed with SIGTERM, then the first (the one that formed the cluster) with SIGKILL.
        foreach (var (index, signal) in new[] { (1, "SIGTERM"), (0, "SIGKILL") })
        {
            string name = RocketCluster.SeedName(index);
            if (signal == "SIGKILL") _cluster.Kill(name);
            else Assert.Equal(0, _cluster.Terminate(name));

            // Brokers and clients keep working while the seed is away.
            for (int i = 0; i < 100; i++, sent++) await producer.SendAsync(new Message("Seeds", Encoding.UTF8.GetBytes($"m{sent}")));

            long started = Stopwatch.GetTimestamp();
            _cluster.StartSeed(index);
            var ready = _cluster.LastStartToReady;
            await using var only = _cluster.ClientOfSeed(index);
            await MultiProcess.AwaitAsync(async () => (await only.Admin.GetRouteAsync("Seeds"))?.Queues.Length == 2,
                $"{name} serving the route on both brokers again", TimeSpan.FromSeconds(60));
            var routes = Stopwatch.GetElapsedTime(started);
            string line = $"{signal} restart of {name}: ready {ready.TotalSeconds:F1} s, serves routes {routes.TotalSeconds:F1} s after the process started";
            output.WriteLine(line);
            Assert.True(routes <= ServingWithin, line);

            // The restarted seed is a full member again: a client that knows only it sends and consumes.
            var viaSeed = only.CreateProducer();
            for (int i = 0; i < 100; i++, sent++) await viaSeed.SendAsync(new Message("Seeds", Encoding.UTF8.GetBytes($"m{sent}")));
            await MultiProcess.AwaitAsync(async () => (await only.Admin.GetClusterViewAsync()).Members.Count(m => m.Status == "Up" && m.Reachable) == 4,
                $"{name}'s view: two seeds and two brokers up and reachable");
        }

        await MultiProcess.AwaitAsync(() => Task.FromResult(Enumerable.Range(0, sent).All(i => consumer.Received.ContainsKey($"m{i}"))),
            "every message consumed", TimeSpan.FromSeconds(60));
        await consumer.Consumer.StopAsync();
    }
}
