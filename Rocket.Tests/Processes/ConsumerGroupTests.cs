using System.Text;
using Akka.Actor;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>Consumer groups across real seed and broker processes.</summary>
[Collection(MultiProcess.LaneB)]
public class ConsumerGroupTests(ITestOutputHelper output) : IDisposable
{
    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    private async Task<RocketClient> TwoBrokersWithTopic(string topic)
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a");
        _cluster.StartBroker("broker-b");
        var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a", "broker-b");
        var created = await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig(topic, 4, 4)); // 8 queues in all
        Assert.Equal(2, created.Count(r => r.Ok));
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetRouteAsync(topic))?.Queues.Length == 2, $"route of {topic} on both brokers");
        return client;
    }

    private static async Task SendAll(RocketClient client, string topic, IEnumerable<int> numbers, string prefix = "m")
    {
        var producer = client.CreateProducer();
        var results = await Task.WhenAll(numbers.Select(i => producer.SendAsync(new Message(topic, Encoding.UTF8.GetBytes($"{prefix}{i}")))));
        Assert.All(results, r => Assert.Equal(SendStatus.SendOk, r.Status));
    }

    [Fact]
    public async Task Two_consumers_in_one_group_together_receive_all_messages_and_a_killed_one_hands_its_queues_over()
    {
        await using var client = await TwoBrokersWithTopic("Groups");
        const int count = 10_000;

        // Each consumer in its own client (its own actor system), so one can be killed without a goodbye.
        var clientB = _cluster.Client();
        await using var clientA = _cluster.Client();
        var a = await Collector.StartAsync(clientA, "Groups", "G1");
        var b = await Collector.StartAsync(clientB, "Groups", "G1");

        // Let the rebalance settle: warm-up messages keep flowing until both members are receiving their own queues.
        // Messages consumed while queues move between members may be delivered twice (at least once), which is not
        // what this test measures; the 10k below are sent once the split is stable.
        for (int round = 0; !(a.Received.Keys.Any(k => k.StartsWith("warm", StringComparison.Ordinal))
                               && b.Received.Keys.Any(k => k.StartsWith("warm", StringComparison.Ordinal))); round++)
        {
            Assert.True(round < 300, "both members should own queues within a minute");
            await SendAll(client, "Groups", Enumerable.Range(round * 16, 16), prefix: "warm-");
            await Task.Delay(200);
        }
        await MultiProcess.AwaitAsync(async () => (await MembersOf(client, "Groups", "G1")).All(n => n == 2), "two members on both brokers");

        await SendAll(client, "Groups", Enumerable.Range(0, count));
        bool Got(int i) => a.Received.ContainsKey($"m{i}") || b.Received.ContainsKey($"m{i}");
        await MultiProcess.AwaitAsync(() => Task.FromResult(Enumerable.Range(0, count).All(Got)),
            $"all {count} messages consumed by the group", TimeSpan.FromSeconds(90));
        var mine = Enumerable.Range(0, count).Select(i => $"m{i}").ToArray();
        int duplicates = mine.Sum(k => a.Received.GetValueOrDefault(k) + b.Received.GetValueOrDefault(k) - 1);
        int fromA = mine.Count(a.Received.ContainsKey), fromB = mine.Count(b.Received.ContainsKey);
        output.WriteLine($"A got {fromA}, B got {fromB}, duplicates {duplicates}");
        Assert.True(fromA > 0 && fromB > 0, "both members should own queues");
        Assert.True(duplicates < count / 10, $"{duplicates} duplicates with a stable group: only a rebalance may repeat messages");

        // Stop B's actor system without unregistering: its connections close, the brokers drop it and A takes over.
        await clientB.System.Terminate();
        await SendAll(client, "Groups", Enumerable.Range(0, 2000), prefix: "after-");
        await MultiProcess.AwaitAsync(() => Task.FromResult(Enumerable.Range(0, 2000).All(i => a.Received.ContainsKey($"after-{i}"))),
            "the surviving consumer receives every later message", TimeSpan.FromSeconds(90));
        await a.Consumer.StopAsync();
    }

    [Fact]
    public async Task A_consumer_process_killed_with_sigkill_hands_its_queues_to_the_other_member()
    {
        await using var client = await TwoBrokersWithTopic("Handover");
        var a = await Collector.StartAsync(client, "Handover", "G2", ConsumeFrom.Last);
        using var b = ChildProcess.StartDotnet("rocket.dll", "consume", "--seeds", _cluster.Seeds, "--topic", "Handover",
            "--group", "G2", "--from", "last", "--count", "100000000", "--timeout", "300");
        await MultiProcess.AwaitAsync(async () => (await MembersOf(client, "Handover", "G2")).All(n => n == 2), "two members on both brokers",
            TimeSpan.FromSeconds(60));

        b.Kill(); // SIGKILL: no unregister, no goodbye; the brokers notice its connections reset
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await MultiProcess.AwaitAsync(async () => (await MembersOf(client, "Handover", "G2")).All(n => n == 1), "the killed member gone from the group",
            TimeSpan.FromSeconds(60));
        output.WriteLine($"the killed consumer left the group {stopwatch.Elapsed.TotalSeconds:F1} s after SIGKILL");

        await SendAll(client, "Handover", Enumerable.Range(0, 2000));
        await MultiProcess.AwaitAsync(() => Task.FromResult(Enumerable.Range(0, 2000).All(i => a.Received.ContainsKey($"m{i}"))),
            "the surviving consumer receives every message sent after the kill", TimeSpan.FromSeconds(90));
        await a.Consumer.StopAsync();
    }

    private static async Task<int[]> MembersOf(RocketClient client, string topic, string group)
    {
        var route = await client.GetRouteAsync(topic) ?? throw new InvalidOperationException($"no route for {topic}");
        return await Task.WhenAll(route.Brokers.Select(async b =>
            (await client.System.ActorSelection(b.Path).Ask<ConsumerIds>(new GetConsumerIds(group), TimeSpan.FromSeconds(5))).ClientIds.Length));
    }

    [Fact]
    public async Task Broadcasting_delivers_every_message_to_every_member()
    {
        await using var client = await TwoBrokersWithTopic("Broadcast");
        await using var clientA = _cluster.Client();
        await using var clientB = _cluster.Client();
        using var offsets = new TempDirectory("broadcast-offsets"); // each member its own local offset file
        var a = await Collector.StartAsync(clientA, "Broadcast", "B1", ConsumeFrom.First, MessageModel.Broadcasting, offsets.Combine("a"));
        var b = await Collector.StartAsync(clientB, "Broadcast", "B1", ConsumeFrom.First, MessageModel.Broadcasting, offsets.Combine("b"));
        await SendAll(client, "Broadcast", Enumerable.Range(0, 1000));
        await MultiProcess.AwaitAsync(() => Task.FromResult(a.Received.Count == 1000 && b.Received.Count == 1000),
            "both members receive all 1000 messages", TimeSpan.FromSeconds(60));
        await a.Consumer.StopAsync();
        await b.Consumer.StopAsync();
    }
}
