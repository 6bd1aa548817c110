using System.Text;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>
/// Broadcast offsets and rewind across real processes: a seed and two brokers; broadcasting consumers run as
/// <c>rocket consume --broadcast</c> processes, clustering ones in this process.
/// </summary>
[Collection(MultiProcess.LaneA)]
public class OffsetProcessTests(ITestOutputHelper output) : IDisposable
{
    private const string Topic = "Rewind";
    private readonly RocketCluster _cluster = new();
    private readonly TempDirectory _offsets = new("broadcast-offsets");

    public void Dispose()
    {
        _cluster.Dispose();
        _offsets.Dispose();
    }

    private static async Task<SendResult[]> SendAll(RocketClient client, string prefix, int count)
    {
        var producer = client.CreateProducer();
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => producer.SendAsync(new Message(Topic, Encoding.UTF8.GetBytes($"{prefix}{i}")))));
        Assert.All(results, r => Assert.Equal(SendStatus.SendOk, r.Status));
        return results;
    }

    private static async Task AwaitCommittedAsync(RocketClient client, string group, long total) =>
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetProgressAsync(group))
            .SelectMany(p => p.Queues).Where(q => q.Topic == Topic).Sum(q => Math.Max(0, q.ConsumerOffset)) == total,
            $"group {group} commits {total} in all");

    [Fact]
    public async Task A_broadcast_consumer_resumes_from_its_file_and_reset_by_time_rewinds_offline_and_live_groups()
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a");
        _cluster.StartBroker("broker-b");
        await using var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a", "broker-b");
        Assert.Equal(2, (await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig(Topic, 2, 2))).Count(r => r.Ok));
        await client.Admin.WaitForTopicAsync(new TopicConfig(Topic, 2, 2), ["broker-a", "broker-b"], TimeSpan.FromSeconds(30));

        var before = await SendAll(client, "a", 40);
        // Every "a" is stored before the cut, every "b" after it (one clock: all processes run on this machine).
        long acked = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        SpinWait.SpinUntil(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > acked);
        var cut = DateTimeOffset.UtcNow;
        SpinWait.SpinUntil(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > cut.ToUnixTimeMilliseconds());
        await SendAll(client, "b", 40);

        // Two clustering groups read everything; "offline" then stops.
        await using var offlineClient = _cluster.Client();
        await using var liveClient = _cluster.Client();
        var offline = await Collector.StartAsync(offlineClient, Topic, "offline");
        var live = await Collector.StartAsync(liveClient, Topic, "live");
        await MultiProcess.AwaitAsync(() => Task.FromResult(offline.Received.Count == 80 && live.Received.Count == 80), "both groups read 80");
        await AwaitCommittedAsync(client, "offline", 80);
        await AwaitCommittedAsync(client, "live", 80);
        await offline.Consumer.StopAsync();

        // Offline: the stored offsets move to the first "b" of each queue (the number of "a"s in it).
        var aPerQueue = before.GroupBy(r => (r.BrokerName, r.QueueId)).ToDictionary(g => g.Key, g => (long)g.Count());
        var offlineReset = await client.Admin.ResetOffsetByTimeAsync("offline", Topic, OffsetResetTarget.ToTime(cut));
        Assert.Empty(offlineReset.Errors);
        Assert.Empty(offlineReset.NotifiedClients);
        Assert.Equal(4, offlineReset.Queues.Count);
        Assert.Equal(80, offlineReset.Queues.Sum(q => q.OldOffset));
        Assert.All(offlineReset.Queues, q => Assert.Equal(aPerQueue.GetValueOrDefault((q.BrokerName, q.QueueId)), q.NewOffset));
        var restarted = await Collector.StartAsync(offlineClient, Topic, "offline", ConsumeFrom.Last);
        await MultiProcess.AwaitAsync(() => Task.FromResult(restarted.Received.Count == 40), "the restarted offline group reads the 40 \"b\"s");
        Assert.All(restarted.Received.Keys, k => Assert.StartsWith("b", k));

        // Live: the member gets the reset pushed and reads every "b" again, no "a".
        var liveReset = await client.Admin.ResetOffsetByTimeAsync("live", Topic, OffsetResetTarget.ToTime(cut));
        Assert.Empty(liveReset.Errors);
        Assert.Single(liveReset.NotifiedClients);
        await MultiProcess.AwaitAsync(() => Task.FromResult(live.Received.Where(kv => kv.Key.StartsWith('b')).All(kv => kv.Value == 2)),
            "the live group reads every \"b\" a second time");
        await AwaitCommittedAsync(client, "live", 80);
        Assert.All(live.Received.Where(kv => kv.Key.StartsWith('a')), kv => Assert.Equal(1, kv.Value));
        Assert.Equal(0, restarted.Duplicates);
        await live.Consumer.StopAsync();
        await restarted.Consumer.StopAsync();

        // Broadcasting, in two consumer processes one after the other: the second resumes from the first one's file.
        string[] broadcast = ["consume", "--topic", Topic, "--group", "bc", "--broadcast", "--offset-store-dir", _offsets.Path, "--seeds", _cluster.Seeds, "--json"];
        var first = (await RocketTool.RunAsync([.. broadcast, "--from", "first", "--timeout", "3"])).Exits(ExitCodes.Ok).Json();
        Assert.Equal(80, first.GetProperty("unique").GetInt64());
        (await RocketTool.RunAsync("send", "--topic", Topic, "--count", "20", "--verify-id", "after", "--seeds", _cluster.Seeds, "--json")).Exits(ExitCodes.Ok);
        var second = (await RocketTool.RunAsync([.. broadcast, "--from", "first", "--verify-id", "after", "--expect", "20", "--timeout", "10"]))
            .Exits(ExitCodes.Ok).Json();
        Assert.Equal(20, second.GetProperty("unique").GetInt64());
        Assert.Equal(0, second.GetProperty("foreign").GetInt64()); // nothing of the 80 read before
        Assert.True(File.Exists(Directory.EnumerateFiles(_offsets.Path, "offsets.json", SearchOption.AllDirectories).Single()));
        output.WriteLine("broadcast resume and both resets checked");
    }
}
