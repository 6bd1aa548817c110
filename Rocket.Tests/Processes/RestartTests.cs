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
    [InlineData("SIGKILL", 3)]
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

        // Writers send unique bodies the whole time; only acknowledged sends count. Their client polls routes every
        // 2 s (RocketMQ's default is 30 s), so broker-a is back under load soon after each restart.
        await using var loadClient = RocketClient.Create(ProcessClientSettings.For(_cluster.Seeds.Split(',')) with
        {
            PollNameServerInterval = TimeSpan.FromSeconds(2),
        });
        var producer = loadClient.CreateProducer();
        var acked = new ConcurrentDictionary<string, string>(); // body -> broker
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
                }
                catch (RocketClientException) { await Task.Delay(20); }
            }
        })).ToArray();

        for (int round = 1; round <= restarts; round++)
        {
            int ackedByABefore = acked.Values.Count(b => b == "broker-a");
            await MultiProcess.AwaitAsync(() => Task.FromResult(acked.Values.Count(b => b == "broker-a") >= ackedByABefore + 300),
                $"300 more sends acknowledged by broker-a before restart {round}", TimeSpan.FromSeconds(60));
            if (signal == "SIGKILL") _cluster.Kill("broker-a");
            else Assert.Equal(0, _cluster.Terminate("broker-a"));

            long started = Stopwatch.GetTimestamp();
            _cluster.StartBroker("broker-a");
            var ready = _cluster.LastStartToReady;
            var (send, pull) = await ProbeBrokerAAsync(started, round);
            string line = $"{signal} restart {round}: ready {ready.TotalSeconds:F1} s, first acknowledged send {send.TotalSeconds:F1} s, first served pull {pull.TotalSeconds:F1} s after the process started";
            output.WriteLine(line);
            Assert.True(send <= ServingWithin && pull <= ServingWithin, line);
        }

        stop.Cancel();
        await Task.WhenAll(writers);
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

    /// <summary>
    /// A new client sends until broker-a acknowledges, and a new group pulls until broker-a serves a message; times
    /// since the process started. It asks for routes every second, so what it measures is the broker and the seeds'
    /// routes, not a client's route cache (poll-name-server-interval, 30 s by default as in RocketMQ).
    /// </summary>
    private async Task<(TimeSpan Send, TimeSpan Pull)> ProbeBrokerAAsync(long started, int round)
    {
        await using var probe = RocketClient.Create(ProcessClientSettings.For(_cluster.Seeds.Split(',')) with
        {
            PollNameServerInterval = TimeSpan.FromSeconds(1),
        });
        // A consumer started before the seeds list broker-a waits for its next rebalance (20 s, as RocketMQ's) to
        // pull from it: that measures the client, not the broker, so start once the route has it.
        await MultiProcess.AwaitAsync(async () => (await probe.Admin.GetRouteAsync("Restart"))?.Brokers.Any(b => b.BrokerName == "broker-a") == true,
            $"broker-a in the seeds' route after restart {round}", TimeSpan.FromSeconds(60));
        var routed = Stopwatch.GetElapsedTime(started);
        long pulledFromA = 0;
        var consumer = probe.CreatePushConsumer(new PushConsumerOptions($"Probe{round}") { ConsumeFrom = ConsumeFrom.First });
        consumer.Subscribe("Restart", "*");
        consumer.RegisterHandler(batch =>
        {
            if (batch.Any(m => m.BrokerName == "broker-a")) Interlocked.CompareExchange(ref pulledFromA, Stopwatch.GetTimestamp(), 0);
            return ConsumeResult.Success;
        });
        await consumer.StartAsync();
        var producer = probe.CreateProducer();
        TimeSpan send = TimeSpan.Zero;
        string? firstRoute = null;
        var failures = new List<string>();
        await MultiProcess.AwaitAsync(async () =>
        {
            firstRoute ??= string.Join(", ", (await probe.Admin.GetRouteAsync("Restart"))?.Brokers.Select(b => b.BrokerName) ?? []);
            try
            {
                var result = await producer.SendAsync(new Message("Restart", Encoding.UTF8.GetBytes($"probe-{round}")));
                if (result.BrokerName != "broker-a") return false;
            }
            catch (RocketClientException e)
            {
                failures.Add($"{Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s: {e.Message}");
                throw;
            }
            send = Stopwatch.GetElapsedTime(started);
            return true;
        }, $"a send acknowledged by broker-a after restart {round}", TimeSpan.FromSeconds(60));
        output.WriteLine($"  round {round}: broker-a in the seeds' route {routed.TotalSeconds:F1} s after the process started; the probe's first route listed [{firstRoute}]");
        foreach (var f in failures.Take(5)) output.WriteLine($"  probe send failed at {f}");
        if (send > ServingWithin) // evidence for a slow round: what the seeds said meanwhile
            output.WriteLine($"  route now: {string.Join(", ", (await probe.Admin.GetRouteAsync("Restart"))?.Brokers.Select(b => $"{b.BrokerName}@{b.Path}") ?? [])}");
        await MultiProcess.AwaitAsync(() => Task.FromResult(Volatile.Read(ref pulledFromA) != 0),
            $"a pull served by broker-a after restart {round}", TimeSpan.FromSeconds(60));
        var pull = Stopwatch.GetElapsedTime(started, pulledFromA);
        await consumer.StopAsync();
        return (send, pull);
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
