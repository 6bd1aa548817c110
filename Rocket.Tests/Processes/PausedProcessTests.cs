using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>
/// Processes frozen with SIGSTOP for twice remote death watch's acceptable pause (4 s), under send load, then thawed:
/// a consumer and a broker that were only slow are served again. Akka.Remote's watcher quarantined such a process for
/// good (nothing passed between the two until one restarted); <see cref="Rocket.Remoting.ClientDeathWatch"/> and
/// <see cref="Rocket.Remoting.ClientActorRefProvider"/> are why these pass.
/// </summary>
[Collection(MultiProcess.LaneB)]
public class PausedProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(8);

    // The split-brain resolver would down a broker unreachable for its stable-after (Akka's default); a minute keeps
    // the paused broker a member, the window where only the client and the broker decide whether they talk again.
    private const string SlowDowning = "akka.cluster.split-brain-resolver.stable-after = 60s";

    private readonly RocketCluster _cluster = new(seeds: 2);
    private ChildProcess? _brokerA;

    public void Dispose() => _cluster.Dispose();

    /// <summary>Two seeds and two brokers, <paramref name="topic"/> on both; a client of the cluster.</summary>
    private async Task<RocketClient> StartClusterAsync(string topic, string extraHocon = "")
    {
        _cluster.StartSeed(0, extraHocon);
        _cluster.StartSeed(1, extraHocon);
        _brokerA = _cluster.StartBroker("broker-a", extraHocon: extraHocon);
        _cluster.StartBroker("broker-b", extraHocon: extraHocon);
        var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a", "broker-b");
        Assert.All(await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig(topic, 4, 4)), r => Assert.True(r.Ok, r.Error));
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetRouteAsync(topic))?.Queues.Length == 2, $"{topic}'s route on both brokers");
        return client;
    }

    /// <summary>
    /// Sends messages 0, 1, … (VERIFY_ID/VERIFY_SEQ, as <c>rocket send --verify-id</c>) one after another about 20 ms apart,
    /// <paramref name="count"/> of them or until <paramref name="stop"/>; records the acknowledged ones with their broker.
    /// </summary>
    private static async Task SendAsync(Producer producer, string topic, string verifyId, int count, ConcurrentDictionary<int, string> acked,
        CancellationToken stop = default)
    {
        for (int i = 0; i < count && !stop.IsCancellationRequested; i++)
        {
            var message = new Message(topic, Encoding.UTF8.GetBytes($"m{i}"));
            message.Properties[VerifyProperties.Id] = verifyId;
            message.Properties[VerifyProperties.Seq] = i.ToString();
            try { acked[i] = (await producer.SendAsync(message)).BrokerName; }
            catch (RocketClientException) { } // not acknowledged: not counted
            try { await Task.Delay(20, stop); } catch (OperationCanceledException) { }
        }
    }

    [Fact]
    public async Task A_consumer_frozen_past_the_failure_detectors_pause_receives_every_message_after_it_thaws()
    {
        const string topic = "FrozenConsumer";
        const int count = 600; // 20 ms apart: the freeze falls in the middle
        await using var client = await StartClusterAsync(topic);
        // Stops 15 s after its last message; its clock runs on while it is frozen, so that is well beyond the freeze.
        using var consumer = RocketTool.Start("consume", "--topic", topic, "--group", "G", "--from", "first", "--timeout", "15",
            "--verify-id", "frozen", "--expect", count.ToString(), "--seeds", _cluster.Seeds, "--json");
        await MultiProcess.AwaitAsync(() => Task.FromResult(consumer.StandardError.Contains("consuming " + topic)), "the consumer started",
            TimeSpan.FromSeconds(60));

        var acked = new ConcurrentDictionary<int, string>();
        var sending = SendAsync(client.CreateProducer(), topic, "frozen", count, acked);
        await MultiProcess.AwaitAsync(() => Task.FromResult(acked.Count >= 100), "100 acknowledged sends before the freeze");
        consumer.Signal("STOP");
        await Task.Delay(Pause); // the scenario: a consumer process that does not run for this long
        consumer.Signal("CONT");
        await sending;
        Assert.Equal(count, acked.Count); // the brokers ran throughout

        int code = consumer.WaitForExit(TimeSpan.FromSeconds(120));
        output.WriteLine($"consumer exit {code}: {consumer.StandardOutput}");
        Assert.Equal(ExitCodes.Ok, code);
        using var report = JsonDocument.Parse(consumer.StandardOutput);
        Assert.Equal(count, report.RootElement.GetProperty("unique").GetInt64());
        Assert.Equal(0, report.RootElement.GetProperty("missing").GetInt64());
    }

    [Fact]
    public async Task A_broker_frozen_past_the_failure_detectors_pause_is_sent_to_and_pulled_from_again_by_the_same_client_after_it_thaws()
    {
        const string topic = "FrozenBroker";
        await using var client = await StartClusterAsync(topic, SlowDowning);
        var brokerA = _brokerA!;
        var received = new ConcurrentDictionary<int, string>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("G") { ConsumeFrom = ConsumeFrom.First });
        consumer.Subscribe(topic, "*");
        consumer.RegisterHandler(batch =>
        {
            foreach (var m in batch) received[int.Parse(m.Properties[VerifyProperties.Seq])] = m.BrokerName;
            return ConsumeResult.Success;
        });
        await consumer.StartAsync();

        var acked = new ConcurrentDictionary<int, string>();
        using var stop = new CancellationTokenSource();
        var sending = SendAsync(client.CreateProducer(), topic, "frozen", int.MaxValue, acked, stop.Token);
        await MultiProcess.AwaitAsync(() => Task.FromResult(acked.Values.Count(b => b == "broker-a") >= 50), "50 sends acknowledged by broker-a before the freeze");
        brokerA.Signal("STOP");
        await Task.Delay(Pause); // the scenario: a broker process that does not run for this long
        brokerA.Signal("CONT");
        int atThaw = acked.Keys.DefaultIfEmpty(0).Max();

        // The client sends to broker-a again and pulls what broker-a stores after the thaw.
        await MultiProcess.AwaitAsync(() => Task.FromResult(received.Any(r => r.Key > atThaw && r.Value == "broker-a")),
            () => $"a message sent after the thaw stored on and pulled from broker-a (acknowledged after the thaw: " +
                  $"{string.Join(", ", acked.Where(a => a.Key > atThaw).GroupBy(a => a.Value).Select(g => $"{g.Key} {g.Count()}"))})",
            TimeSpan.FromSeconds(60));
        stop.Cancel();
        await sending;
        await MultiProcess.AwaitAsync(() => Task.FromResult(acked.Keys.All(received.ContainsKey)),
            () => $"every acknowledged message consumed ({acked.Keys.Count(i => !received.ContainsKey(i))} of {acked.Count} missing)",
            TimeSpan.FromSeconds(60));
        await consumer.StopAsync();
        output.WriteLine($"acknowledged {acked.Count}: {string.Join(", ", acked.Values.GroupBy(b => b).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.DoesNotContain("quarantined", brokerA.StandardOutput);
    }
}
