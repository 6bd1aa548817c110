using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>
/// Delay levels across real processes, with a short table (<c>1s 2s 4s</c>) so the tests take seconds: a message
/// arrives after its level's delay, never before, and pending delayed messages survive a broker SIGKILL and restart.
/// </summary>
[Collection(MultiProcess.LaneA)]
public sealed class DelayLevelProcessTests(ITestOutputHelper output) : IDisposable
{
    private const string Table = "rocket.broker.message-delay-level = \"1s 2s 4s\"";
    private static readonly long[] DelaysMs = [1000, 2000, 4000];
    /// <summary>The broker's target precision (delivered record's store time − due time): the median must meet it.</summary>
    private const long PrecisionMs = 100;
    /// <summary>
    /// The latest any single message may be stored after its due time. On the shared 2-core machine, with other
    /// suites running, a timer or the journal is sometimes held up by a few hundred ms (333 ms seen once).
    /// </summary>
    private const long WorstMs = 1000;

    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    /// <summary>What a consumer saw of one delayed message.</summary>
    private sealed record Arrival(string Body, long DueMs, long StoredMs, long ReceivedMs, int QueueId);

    [Fact]
    public async Task A_message_with_delay_level_L_arrives_after_its_delay_within_precision_and_never_before()
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a", extraHocon: Table);
        await using var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a");
        await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig("Delayed", 2, 2));
        await client.Admin.WaitForTopicAsync("Delayed", TimeSpan.FromSeconds(30));
        var (arrivals, consumer) = await ConsumeAsync(client, "Delayed", "G1");

        var producer = client.CreateProducer();
        var sent = new List<(string Body, int Level, long Before, long After)>();
        for (int round = 0; round < 3; round++)
            for (int level = 1; level <= 3; level++)
            {
                string body = $"L{level}-{round}";
                long before = Now();
                await producer.SendAsync(new Message("Delayed", Encoding.UTF8.GetBytes(body)) { DelayLevel = level, Tags = "TagD", Keys = body });
                sent.Add((body, level, before, Now()));
            }
        var plain = await producer.SendAsync(new Message("Delayed", "plain"u8.ToArray()));

        await MultiProcess.AwaitAsync(() => Task.FromResult(sent.All(s => arrivals.ContainsKey(s.Body)) && arrivals.ContainsKey("plain")),
            "every delayed message consumed", TimeSpan.FromSeconds(60));
        await consumer.StopAsync();

        Assert.Equal(-1, arrivals["plain"].DueMs); // a plain message is not delayed and carries no due time
        foreach (var (body, level, before, after) in sent)
        {
            var a = arrivals[body];
            string line = $"{body}: due {a.DueMs - before} ms after the send started, stored {a.StoredMs - a.DueMs} ms after due, received {a.ReceivedMs - a.DueMs} ms after due";
            output.WriteLine(line);
            // The due time is the parked record's store time (between the send's start and its acknowledgement) + the level's delay.
            Assert.InRange(a.DueMs, before + DelaysMs[level - 1], after + DelaysMs[level - 1]);
            Assert.True(a.StoredMs >= a.DueMs && a.ReceivedMs >= a.DueMs, $"early: {line}");
            Assert.True(a.StoredMs - a.DueMs <= WorstMs, $"later than {WorstMs} ms: {line}");
        }
        var lateness = sent.Select(s => arrivals[s.Body].StoredMs - arrivals[s.Body].DueMs).Order().ToArray();
        output.WriteLine($"stored after due: median {lateness[lateness.Length / 2]} ms, max {lateness[^1]} ms");
        Assert.True(lateness[lateness.Length / 2] <= PrecisionMs, $"median lateness {lateness[lateness.Length / 2]} ms is above {PrecisionMs} ms");
    }

    [Fact]
    public async Task Pending_delayed_messages_survive_a_broker_SIGKILL_and_restart_and_are_all_delivered_none_early()
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a", extraHocon: Table);
        await using var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a");
        await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig("Pending", 2, 2));
        await client.Admin.WaitForTopicAsync("Pending", TimeSpan.FromSeconds(30));

        // Level 1 messages are delivered (and their progress committed) before the kill; level 3 ones are still
        // pending and fall due while the broker is down.
        var producer = client.CreateProducer();
        var early = Enumerable.Range(0, 50).Select(i => $"short-{i}").ToArray();
        var pending = Enumerable.Range(0, 200).Select(i => $"long-{i}").ToArray();
        await Task.WhenAll(early.Select(b => producer.SendAsync(new Message("Pending", Encoding.UTF8.GetBytes(b)) { DelayLevel = 1 })));
        await Task.WhenAll(pending.Select(b => producer.SendAsync(new Message("Pending", Encoding.UTF8.GetBytes(b)) { DelayLevel = 3 })));
        long pendingSentAt = Now();

        var (firstArrivals, firstConsumer) = await ConsumeAsync(client, "Pending", "Before");
        await MultiProcess.AwaitAsync(() => Task.FromResult(early.All(firstArrivals.ContainsKey)), "the level-1 messages delivered before the kill");
        await firstConsumer.StopAsync();
        Assert.True(Now() < pendingSentAt + DelaysMs[2] - 500, "the level-3 messages must still be pending when the broker is killed");
        int pendingDeliveredBeforeKill = pending.Count(firstArrivals.ContainsKey);
        Assert.Equal(0, pendingDeliveredBeforeKill);

        _cluster.Kill("broker-a");
        var restarted = Stopwatch.StartNew();
        _cluster.StartBroker("broker-a");
        output.WriteLine($"broker-a ready {restarted.Elapsed.TotalSeconds:F1} s after the SIGKILL");

        await using var reader = _cluster.Client();
        var (arrivals, consumer) = await ConsumeAsync(reader, "Pending", "After");
        await MultiProcess.AwaitAsync(() => Task.FromResult(pending.All(arrivals.ContainsKey)),
            "every pending level-3 message delivered after the restart", TimeSpan.FromSeconds(90));
        await consumer.StopAsync();

        var missing = pending.Where(b => !arrivals.ContainsKey(b)).ToArray();
        Assert.Empty(missing);
        foreach (var body in pending)
        {
            var a = arrivals[body];
            Assert.True(a.StoredMs >= a.DueMs && a.ReceivedMs >= a.DueMs, $"{body} delivered early: due {a.DueMs}, stored {a.StoredMs}, received {a.ReceivedMs}");
        }
        // Each level-1 message reached the topic (at least once; a progress commit lost in the kill would deliver it again).
        Assert.All(early, b => Assert.True(arrivals.ContainsKey(b), $"{b} missing after the restart"));
        output.WriteLine($"after the restart: {arrivals.Count} distinct messages, {_duplicates} duplicate deliveries");
    }

    private int _duplicates;

    private async Task<(ConcurrentDictionary<string, Arrival> Arrivals, PushConsumer Consumer)> ConsumeAsync(RocketClient client, string topic, string group)
    {
        var arrivals = new ConcurrentDictionary<string, Arrival>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions(group) { ConsumeFrom = ConsumeFrom.First });
        consumer.Subscribe(topic, "*");
        consumer.RegisterHandler(batch =>
        {
            long now = Now();
            foreach (var m in batch)
            {
                long due = m.Properties.TryGetValue(MessageProperties.TimerOutMs, out var text) ? long.Parse(text, CultureInfo.InvariantCulture) : -1;
                string body = Encoding.UTF8.GetString(m.Body);
                if (!arrivals.TryAdd(body, new Arrival(body, due, m.StoreTimestamp, now, m.QueueId))) Interlocked.Increment(ref _duplicates);
            }
            return ConsumeResult.Success;
        });
        await consumer.StartAsync();
        return (arrivals, consumer);
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
