using System.Text;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>
/// Topic delete across real processes, with SIGKILL right after each step: crash recovery replays the commit log
/// from the last checkpoint (taken at most every 60 s, so well before these kills), which holds the deleted
/// topic's old messages; the tombstone after them must win, every time.
/// </summary>
[Collection(MultiProcess.LaneB)]
public class TopicDeleteTests(ITestOutputHelper output) : IDisposable
{
    private const string Topic = "Doomed";
    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    private void StartBroker() => _cluster.StartBroker("broker-a", extraHocon: "rocket.broker.auto-create-topic-enable = off");

    private string QueueDirectory => Path.Combine(_cluster.StoreOf("broker-a"), "consumequeue", Topic);

    private static async Task SendAsync(RocketClient client, string prefix, int count)
    {
        var producer = client.CreateProducer();
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => producer.SendAsync(new Message(Topic, Encoding.UTF8.GetBytes($"{prefix}-{i}")))));
        Assert.All(results, r => Assert.Equal("broker-a", r.BrokerName));
    }

    private static async Task CreateAsync(RocketClient client)
    {
        Assert.All(await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig(Topic, 4, 4)), r => Assert.True(r.Ok, r.Error));
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetRouteAsync(Topic)) is not null, $"route of {Topic}");
    }

    [Fact]
    public async Task A_deleted_topic_stays_deleted_after_sigkill_and_a_recreated_one_holds_only_new_messages_after_another()
    {
        _cluster.StartSeed();
        StartBroker();
        await using (var client = _cluster.Client())
        {
            await MultiProcess.AwaitBrokersAsync(client, "broker-a");
            await CreateAsync(client);
            await SendAsync(client, "old", 200);

            // Group G consumes everything and stores its offsets (50 per queue).
            var g = await Collector.StartAsync(client, Topic, "G");
            await MultiProcess.AwaitAsync(() => Task.FromResult(g.Received.Count == 200), "group G got the 200 old messages");
            await g.Consumer.StopAsync();
            await MultiProcess.AwaitAsync(async () => (await client.Admin.GetProgressAsync("G")).SelectMany(p => p.Queues).Sum(q => q.ConsumerOffset) == 200,
                "group G's offsets stored");

            var deleted = await client.Admin.DeleteTopicAsync(Topic);
            Assert.Equal([new BrokerAdminResult("broker-a", true, null)], deleted);
            Assert.False(Directory.Exists(QueueDirectory), "the consume queues are deleted when the delete answers");
            // The deleted topic's offsets are gone; the group's own retry topic (%RETRY%G) is not the deleted topic and may stay.
            var left = (await client.Admin.GetProgressAsync("G")).SelectMany(p => p.Queues).Where(q => q.Topic == Topic).ToArray();
            Assert.True(left.Length == 0, $"group G still has progress rows of {Topic}: {string.Join("; ", left.Select(q => q.ToString()))}");
            await MultiProcess.AwaitAsync(async () => (await client.Admin.GetRouteAsync(Topic)) is null, $"{Topic} gone from the routes");
            var send = await Assert.ThrowsAnyAsync<RocketClientException>(() => client.CreateProducer().SendAsync(new Message(Topic, [1])));
            Assert.Contains(Topic, send.Message);
        }

        _cluster.Kill("broker-a"); // SIGKILL: the next start replays the log, old messages and tombstone
        StartBroker();
        await using (var client = _cluster.Client())
        {
            await MultiProcess.AwaitBrokersAsync(client, "broker-a");
            Assert.DoesNotContain((await client.Admin.ListTopicsAsync()), t => t.Topic.Name == Topic);
            Assert.False(Directory.Exists(QueueDirectory), "recovery rebuilt the deleted topic's consume queues");
            Assert.DoesNotContain((await client.Admin.GetProgressAsync("G")).SelectMany(p => p.Queues), q => q.Topic == Topic);

            await CreateAsync(client);
            await SendAsync(client, "new", 100);
        }

        _cluster.Kill("broker-a"); // SIGKILL again, now that the topic lives again
        StartBroker();
        await using (var client = _cluster.Client())
        {
            await MultiProcess.AwaitBrokersAsync(client, "broker-a");
            await MultiProcess.AwaitAsync(async () => (await client.Admin.GetRouteAsync(Topic)) is not null, $"route of {Topic} after the restart");

            // A new group and the old group G (its offsets were deleted) both read exactly the 100 new messages.
            var fresh = await Collector.StartAsync(client, Topic, "Fresh");
            var g = await Collector.StartAsync(client, Topic, "G");
            await MultiProcess.AwaitAsync(() => Task.FromResult(fresh.Received.Count >= 100 && g.Received.Count >= 100),
                "both groups got the 100 new messages", TimeSpan.FromSeconds(60));
            output.WriteLine($"after the second restart: {fresh.Received.Count} received by Fresh, {g.Received.Count} by G");
            var expected = Enumerable.Range(0, 100).Select(i => $"new-{i}").Order().ToArray();
            Assert.Equal(expected, fresh.Received.Keys.Order().ToArray());
            Assert.Equal(expected, g.Received.Keys.Order().ToArray());
            await fresh.Consumer.StopAsync(); // commits its offsets
            await g.Consumer.StopAsync();

            // The queues restarted at 0: the broker's offsets add up to the 100 new messages, not 300.
            await MultiProcess.AwaitAsync(async () => (await client.Admin.GetProgressAsync("Fresh")).SelectMany(p => p.Queues).Sum(q => q.ConsumerOffset) == 100,
                "group Fresh's offsets stored");
            Assert.Equal(100, (await client.Admin.GetProgressAsync("Fresh")).SelectMany(p => p.Queues).Sum(q => q.BrokerOffset));
        }
    }
}
