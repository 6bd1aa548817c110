using System.Collections.Concurrent;
using System.Globalization;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>
/// Timer messages across a broker SIGKILL: timers sent before the kill, some already delivered and most still
/// pending, all fire after the broker restarts on its store (at-least-once: duplicates allowed, none early, none lost).
/// </summary>
[Collection(MultiProcess.LaneA)]
public sealed class TimerProcessTests(ITestOutputHelper output)
{
    private const string Topic = "TimerKill";
    private const int Count = 400;

    [Fact]
    public async Task Every_pending_timer_fires_after_the_broker_is_killed_and_restarted()
    {
        using var dir = new TempDirectory("timer-kill");
        var store = dir.Combine("store");
        long sentAt;
        using (var node = StandaloneNode.OnStore(store))
        {
            await using (var client = node.Client())
            {
                await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig(Topic, 4, 4));
                await client.Admin.WaitForTopicAsync(Topic, TimeSpan.FromSeconds(30));
                var producer = client.CreateProducer();
                sentAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                // Due from 0.5 s to 8.5 s after sending: the first ones fire before the kill, the rest wait on disk.
                await Task.WhenAll(Enumerable.Range(0, Count).Select(i => producer.SendAsync(
                    new Message(Topic, "t"u8.ToArray())
                    {
                        DeliverAt = DateTimeOffset.FromUnixTimeMilliseconds(sentAt + 500 + i * 20),
                        Properties = { ["SEQ"] = i.ToString(CultureInfo.InvariantCulture) },
                    })));
            }
            // Kill once some timers have fired: due times passed for the first ones (sentAt + 500 .. + 2500).
            await MultiProcess.AwaitAsync(() => Task.FromResult(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > sentAt + 2_500), "2.5 s after sending");
            node.Process.Kill();
        }

        using var restarted = StandaloneNode.OnStore(store);
        var received = new ConcurrentBag<(int Seq, long DueMs, long ReceivedMs)>();
        await using var consumerClient = restarted.Client();
        var consumer = consumerClient.CreatePushConsumer(new PushConsumerOptions("TimerKillGroup") { ConsumeFrom = ConsumeFrom.First });
        consumer.Subscribe(Topic, "*");
        consumer.RegisterHandler(batch =>
        {
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var m in batch)
                received.Add((int.Parse(m.Properties["SEQ"], CultureInfo.InvariantCulture), long.Parse(m.Properties[MessageProperties.TimerOutMs], CultureInfo.InvariantCulture), now));
            return ConsumeResult.Success;
        });
        await consumer.StartAsync();
        await MultiProcess.AwaitAsync(() => Task.FromResult(received.Select(r => r.Seq).Distinct().Count() == Count),
            $"all {Count} timers delivered after the restart", TimeSpan.FromSeconds(90));
        await consumer.StopAsync();

        var all = received.ToArray();
        output.WriteLine($"{all.Length} deliveries of {Count} timers ({all.Length - Count} duplicates)");
        foreach (var (seq, due, at) in all)
        {
            Assert.Equal(sentAt + 500 + seq * 20, due);
            Assert.True(at >= due, $"timer {seq} arrived at {at}, before its due time {due}");
        }
        Assert.Equal(Enumerable.Range(0, Count), all.Select(r => r.Seq).Distinct().Order());
    }
}
