using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>
/// Consumer retry and dead letters across real processes, with a short delay table so retries come after 1 s and 2 s
/// (levels 3 and 4) instead of 10 s and 30 s: reconsume counts and delays, the dead-letter queue through the
/// <c>rocket</c> tool, retry state across a broker SIGKILL, and no redelivery of handled messages across consumer
/// restarts and rebalances.
/// </summary>
[Collection(MultiProcess.LaneA)]
public sealed class RetryProcessTests(ITestOutputHelper output) : IDisposable
{
    private const string Table = "rocket.broker.message-delay-level = \"1s 1s 1s 2s 1s\"";
    /// <summary>The delay before retry k (k = 1, 2, …): level 2 + k of <see cref="Table"/>.</summary>
    private static readonly long[] RetryDelaysMs = [1000, 2000, 1000];
    /// <summary>How late the schedule may store a due retry; generous for a shared 2-core machine.</summary>
    private const long PrecisionMs = 500;

    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    /// <summary>One delivery as the handler saw it.</summary>
    private sealed record Delivery(string Body, string Topic, string QueueTopic, int ReconsumeTimes, long DueMs, long StoredMs, long ReceivedMs, long AnsweredMs);

    private async Task<RocketClient> StartAsync(string topic, int queues, string table = Table)
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a", extraHocon: table);
        var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a");
        await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig(topic, queues, queues));
        await client.Admin.WaitForTopicAsync(topic, TimeSpan.FromSeconds(30));
        return client;
    }

    private static RocketClient FastCommitClient(RocketCluster cluster) => RocketClient.Create(ProcessClientSettings.For(cluster.Seeds.Split(',')) with
    {
        PersistConsumerOffsetInterval = TimeSpan.FromMilliseconds(200),
    });

    /// <summary>A consumer that records every delivery and answers RetryLater while <paramref name="fail"/> says so.</summary>
    private static async Task<PushConsumer> ConsumeAsync(RocketClient client, string topic, string group, ConcurrentQueue<Delivery> deliveries,
        Func<string, int, bool> fail, int maxReconsumeTimes = 16)
    {
        var consumer = client.CreatePushConsumer(new PushConsumerOptions(group) { ConsumeFrom = ConsumeFrom.First, MaxReconsumeTimes = maxReconsumeTimes });
        consumer.Subscribe(topic, "*");
        consumer.RegisterHandler(batch =>
        {
            var m = batch.Single();
            long now = Now();
            string body = Encoding.UTF8.GetString(m.Body);
            bool failing = fail(body, m.ReconsumeTimes);
            long due = m.Properties.TryGetValue(MessageProperties.TimerOutMs, out var text) ? long.Parse(text, CultureInfo.InvariantCulture) : -1;
            deliveries.Enqueue(new Delivery(body, m.Topic, m.Queue.Topic, m.ReconsumeTimes, due, m.StoreTimestamp, now, Now()));
            return failing ? ConsumeResult.RetryLater : ConsumeResult.Success;
        });
        await consumer.StartAsync();
        return consumer;
    }

    [Fact]
    public async Task A_message_failing_twice_then_succeeding_arrives_three_times_with_reconsume_counts_0_1_2_after_the_level_delays()
    {
        await using var client = await StartAsync("Orders", 2);
        var deliveries = new ConcurrentQueue<Delivery>();
        var bodies = Enumerable.Range(0, 6).Select(i => $"order-{i}").ToArray();
        await using var consumer = await ConsumeAsync(client, "Orders", "G1", deliveries, (_, reconsumeTimes) => reconsumeTimes < 2);
        var producer = client.CreateProducer();
        foreach (var body in bodies) await producer.SendAsync(new Message("Orders", Encoding.UTF8.GetBytes(body)) { Tags = "TagA", Keys = body });

        await MultiProcess.AwaitAsync(() => Task.FromResult(bodies.All(b => deliveries.Count(d => d.Body == b) >= 3)),
            "three deliveries of every message", TimeSpan.FromSeconds(60));
        await Task.Delay(1500); // a fourth delivery would come within the next level's delay
        foreach (var body in bodies)
        {
            var seen = deliveries.Where(d => d.Body == body).ToArray();
            Assert.Equal([0, 1, 2], seen.Select(d => d.ReconsumeTimes));
            Assert.All(seen, d => Assert.Equal("Orders", d.Topic)); // a retry shows its original topic
            Assert.Equal(["Orders", "%RETRY%G1", "%RETRY%G1"], seen.Select(d => d.QueueTopic));
            for (int k = 1; k < 3; k++)
            {
                var (before, retry) = (seen[k - 1], seen[k]);
                string line = $"{body} retry {k}: due {retry.DueMs - before.AnsweredMs} ms after RetryLater (level delay {RetryDelaysMs[k - 1]}), " +
                              $"stored {retry.StoredMs - retry.DueMs} ms after due, received {retry.ReceivedMs - retry.DueMs} ms after due";
                output.WriteLine(line);
                // Due = the parked copy's store time + the level's delay; that copy is written after the handler answered.
                Assert.True(retry.DueMs >= before.AnsweredMs + RetryDelaysMs[k - 1], $"due too early: {line}");
                Assert.True(retry.DueMs <= before.AnsweredMs + RetryDelaysMs[k - 1] + 1000, $"send-back took over a second: {line}");
                Assert.True(retry.StoredMs >= retry.DueMs && retry.ReceivedMs >= retry.DueMs, $"early: {line}");
                Assert.True(retry.StoredMs - retry.DueMs <= PrecisionMs, $"later than {PrecisionMs} ms: {line}");
            }
        }
        await consumer.StopAsync();

        // Every queue's offset moved past its messages: the original queues and the retry queue.
        QueueProgress[] progress = [];
        await MultiProcess.AwaitAsync(async () =>
        {
            progress = (await client.Admin.GetProgressAsync("G1")).SelectMany(p => p.Queues).ToArray();
            return progress.Length == 3 && progress.All(q => q.BrokerOffset == q.ConsumerOffset);
        }, "the group's offsets committed at the end of every queue");
        Assert.Equal(bodies.Length * 2, progress.Single(q => q.Topic == "%RETRY%G1").BrokerOffset);
    }

    [Fact]
    public async Task A_message_always_failing_with_max_reconsume_times_2_ends_in_the_dead_letter_queue_and_is_consumable_there()
    {
        await using var client = await StartAsync("Payments", 1);
        var producer = client.CreateProducer();
        for (int i = 0; i < 3; i++) await producer.SendAsync(new Message("Payments", Encoding.UTF8.GetBytes($"poison-{i}")) { Keys = $"p{i}" });

        var failing = await RocketTool.RunAsync("consume", "--topic", "Payments", "--group", "Ledger", "--from", "first", "--fail-rate", "1",
            "--max-reconsume-times", "2", "--timeout", "6", "--seeds", _cluster.Seeds, "--json");
        output.WriteLine(failing.Stdout);
        output.WriteLine(failing.Stderr);
        var report = failing.Json();
        Assert.Equal(0, report.GetProperty("received").GetInt64()); // nothing was handled
        Assert.Equal(9, report.GetProperty("failed_deliveries").GetInt64()); // counts 0, 1, 2 of each message
        Assert.Equal(6, report.GetProperty("reconsumed").GetInt64());
        Assert.Equal(2, report.GetProperty("max_reconsume_times").GetInt32());

        var dead = await RocketTool.RunAsync("consume", "--topic", "%DLQ%Ledger", "--group", "Admins", "--from", "first", "--count", "3",
            "--timeout", "20", "--seeds", _cluster.Seeds, "--json");
        output.WriteLine(dead.Stdout);
        dead.Exits(0);
        var deadReport = dead.Json();
        Assert.Equal(3, deadReport.GetProperty("received").GetInt64());
        Assert.Equal(3, deadReport.GetProperty("unique").GetInt64());
        Assert.Equal(3, deadReport.GetProperty("reconsumed").GetInt64()); // each dead letter carries reconsume times 3

        var route = await client.Admin.GetRouteAsync("%DLQ%Ledger");
        Assert.Equal((1, 1, TopicPerm.ReadWrite), (route!.Queues.Single().ReadQueues, route.Queues.Single().WriteQueues, route.Queues.Single().Perm));
    }

    [Fact]
    public async Task Retry_state_survives_a_broker_SIGKILL_and_restart()
    {
        // The first retry waits 15 s here (level 3): long enough to kill the broker while every retry is pending, even when
        // a loaded CI machine takes several seconds to deliver, send back and commit the first round (5 s was too short).
        await using var client = await StartAsync("Shipments", 1, "rocket.broker.message-delay-level = \"1s 1s 15s\"");
        var producer = client.CreateProducer();
        var bodies = Enumerable.Range(0, 20).Select(i => $"ship-{i}").ToArray();
        foreach (var body in bodies) await producer.SendAsync(new Message("Shipments", Encoding.UTF8.GetBytes(body)));

        // Every first delivery fails; once every send-back is acknowledged the original queue's offset is past all of them.
        var before = new ConcurrentQueue<Delivery>();
        await using (var first = FastCommitClient(_cluster))
        {
            var consumer = await ConsumeAsync(first, "Shipments", "Packers", before, (_, reconsumeTimes) => reconsumeTimes == 0);
            await MultiProcess.AwaitAsync(async () => (await first.Admin.GetProgressAsync("Packers")).SelectMany(p => p.Queues)
                .Any(q => q.Topic == "Shipments" && q.ConsumerOffset == bodies.Length), "the original queue committed past every sent-back message");
            await consumer.StopAsync();
        }
        long firstDelivery = before.Min(d => d.AnsweredMs);
        Assert.True(Now() < firstDelivery + 14_000, $"the retries must still be pending when the broker is killed ({Now() - firstDelivery} ms after the first delivery)");
        Assert.All(before, d => Assert.Equal(0, d.ReconsumeTimes));
        _cluster.Kill("broker-a");
        _cluster.StartBroker("broker-a");

        var after = new ConcurrentQueue<Delivery>();
        await using var second = _cluster.Client();
        await using var again = await ConsumeAsync(second, "Shipments", "Packers", after, (_, _) => false);
        await MultiProcess.AwaitAsync(() => Task.FromResult(bodies.All(b => after.Any(d => d.Body == b && d.ReconsumeTimes == 1))),
            "every message's retry delivered", TimeSpan.FromSeconds(60));
        // Nothing of the original queue comes again: its committed offset survived the kill.
        Assert.DoesNotContain(after, d => d.QueueTopic == "Shipments");
        Assert.All(after, d => Assert.Equal(("Shipments", 1), (d.Topic, d.ReconsumeTimes)));
    }

    [Fact]
    public async Task A_consumer_restart_or_rebalance_redelivers_nothing_that_was_handled()
    {
        await using var client = await StartAsync("Events", 4);
        var producer = client.CreateProducer();
        var bodies = Enumerable.Range(0, 80).Select(i => $"event-{i}").ToArray();
        await Task.WhenAll(bodies.Select(b => producer.SendAsync(new Message("Events", Encoding.UTF8.GetBytes(b)))));
        // Every tenth message is poison: it fails every time (the group's maximum is high), so it keeps cycling through
        // the retry topic while the others are handled behind it.
        bool Poison(string body) => int.Parse(body["event-".Length..], CultureInfo.InvariantCulture) % 10 == 0;

        var deliveries = new ConcurrentQueue<Delivery>();
        var firstClient = FastCommitClient(_cluster);
        var first = await ConsumeAsync(firstClient, "Events", "Workers", deliveries, (body, _) => Poison(body), maxReconsumeTimes: 100);
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetProgressAsync("Workers")).SelectMany(p => p.Queues)
            .Where(q => q.Topic == "Events").Sum(q => q.ConsumerOffset) == bodies.Length, "the poison messages did not pin their queues' offsets");

        // A second member joins (rebalance), then the first one stops and a third starts (restart).
        await using var secondClient = FastCommitClient(_cluster);
        await using var second = await ConsumeAsync(secondClient, "Events", "Workers", deliveries, (body, _) => Poison(body), maxReconsumeTimes: 100);
        await Task.Delay(3000);
        await first.StopAsync();
        await firstClient.DisposeAsync();
        await using var thirdClient = FastCommitClient(_cluster);
        await using var third = await ConsumeAsync(thirdClient, "Events", "Workers", deliveries, (body, _) => Poison(body), maxReconsumeTimes: 100);
        await Task.Delay(4000);

        var handled = deliveries.Where(d => !Poison(d.Body)).GroupBy(d => d.Body).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(bodies.Count(b => !Poison(b)), handled.Count);
        Assert.All(handled, kv => Assert.True(kv.Value == 1, $"{kv.Key} was delivered {kv.Value} times"));
        // The poison messages kept coming back through the retry topic, across the restart and the rebalance.
        Assert.All(bodies.Where(Poison), b => Assert.True(deliveries.Count(d => d.Body == b) >= 3, $"{b} was not retried"));
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
