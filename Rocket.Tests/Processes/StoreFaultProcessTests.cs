using System.Collections.Concurrent;
using System.Text;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Processes;

/// <summary>
/// Issue 8, point 3, with a real broker process on a real 64 MiB volume (tmpfs): the disk fills, the broker stops
/// acknowledging with a clear error and shows as unhealthy in <c>rocket cluster</c>, every acknowledged message stays
/// consumable, sends succeed again by themselves once space is freed, and SIGTERM still stops it cleanly. And a
/// volume too small for the key index's preallocated file refuses the node at start, naming the settings.
/// </summary>
[Collection(MultiProcess.LaneA)]
public class StoreFaultProcessTests : IDisposable
{
    private const long VolumeBytes = 64L << 20;
    private readonly RocketCluster _cluster = new();
    private readonly List<TmpfsVolume> _volumes = new();

    public void Dispose()
    {
        _cluster.Dispose(); // kills the processes first, so nothing holds the volumes
        foreach (var volume in _volumes) volume.Dispose();
    }

    private TmpfsVolume Mount()
    {
        var volume = TmpfsVolume.Mount(VolumeBytes);
        _volumes.Add(volume);
        return volume;
    }

    [TmpfsFact]
    public async Task A_broker_whose_disk_fills_refuses_sends_shows_unhealthy_loses_nothing_and_recovers_when_space_is_freed()
    {
        var volume = Mount();
        string store = Path.Combine(volume.Path, "broker-a").Replace("\\", "/");
        _cluster.StartSeed();
        // 8 MiB segments and a small key index (the harness's defaults) fit the volume; the guard keeps usage under 90 %.
        _cluster.StartBroker("broker-a", extraHocon: $"rocket.store.dir = \"{store}\"");
        await using var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a");
        await client.Admin.CreateOrUpdateTopicAsync(new Rocket.Protocol.TopicConfig("Full", 4, 4));
        await client.Admin.WaitForTopicAsync("Full", TimeSpan.FromSeconds(30));
        var producer = client.CreateProducer();
        var acknowledged = new ConcurrentDictionary<string, bool>();
        await producer.SendAsync(new Message("Full", Encoding.UTF8.GetBytes("first")));
        acknowledged["first"] = true;
        // Wait for the first segment, the one prepared ahead and the key-index file (the message's UNIQ_KEY) to take
        // their blocks: the files show before their blocks are allocated.
        const long indexFile = 64 + 100_000 * 4 + 400_000 * 20;
        await MultiProcess.AwaitAsync(() => Task.FromResult(volume.UsedBytes >= 2 * (8L << 20) + indexFile),
            "the first segment, the one prepared ahead and the key-index file");

        // Two segments exist now (the second prepared ahead). Take the volume to ~80 %: filling them needs no new file,
        // the third segment would pass 90 % and is refused; forced retention (85 %) is not reached, so nothing is deleted.
        var ballast = volume.Fill("ballast", (long)(0.80 * volume.TotalBytes) - volume.UsedBytes);
        var padding = new string('p', 4000);
        string? refusal = null;
        for (int round = 0; refusal is null && round < 200; round++)
        {
            var sends = Enumerable.Range(0, 32).Select(async i =>
            {
                string body = $"{round}-{i}:{padding}";
                try
                {
                    await producer.SendAsync(new Message("Full", Encoding.UTF8.GetBytes(body)));
                    acknowledged[body] = true;
                }
                catch (RocketClientException e)
                {
                    Interlocked.CompareExchange(ref refusal, e.Message, null);
                }
            });
            await Task.WhenAll(sends);
        }
        Assert.NotNull(refusal);
        foreach (var part in (string[])["broker broker-a: store", "cannot write: journal: disk full", "rocket.store.disk-space-warning-level-ratio = 90%", "not accepting messages"])
            Assert.True(refusal.Contains(part, StringComparison.Ordinal), $"'{part}' missing in: {refusal}");
        Assert.InRange(100.0 * volume.UsedBytes / volume.TotalBytes, 75, 90); // the guard stopped the disk from filling

        // rocket cluster shows the broker as unhealthy, with the reason (gossip takes a moment).
        await MultiProcess.AwaitAsync(async () =>
        {
            var broker = (await ClusterJson()).GetProperty("brokers").EnumerateArray().Single();
            return !broker.GetProperty("healthy").GetBoolean() && broker.GetProperty("problem").GetString()!.Contains("disk full");
        }, "broker-a shown as unhealthy by rocket cluster", TimeSpan.FromSeconds(60));
        var text = await RocketTool.RunAsync("cluster", "--seeds", _cluster.Seeds);
        Assert.Contains("UNHEALTHY: journal: disk full", text.Exits(ExitCodes.Ok).Stdout);

        // Space comes back: the broker accepts sends again by itself and says so.
        File.Delete(ballast);
        await MultiProcess.AwaitAsync(async () =>
        {
            await producer.SendAsync(new Message("Full", Encoding.UTF8.GetBytes("after")));
            acknowledged["after"] = true;
            return true;
        }, "a send accepted after the space was freed", TimeSpan.FromSeconds(60));
        await MultiProcess.AwaitAsync(async () =>
            (await ClusterJson()).GetProperty("brokers").EnumerateArray().Single().GetProperty("healthy").GetBoolean(),
            "broker-a shown as healthy again", TimeSpan.FromSeconds(60));

        // Every acknowledged message is consumable.
        var received = new ConcurrentDictionary<string, bool>();
        await using (var consumer = client.CreatePushConsumer(new PushConsumerOptions("FullReaders") { ConsumeFrom = ConsumeFrom.First }))
        {
            consumer.Subscribe("Full", "*");
            consumer.RegisterHandler(batch =>
            {
                foreach (var m in batch) received[Encoding.UTF8.GetString(m.Body)] = true;
                return ConsumeResult.Success;
            });
            await consumer.StartAsync();
            await MultiProcess.AwaitAsync(() => Task.FromResult(acknowledged.Keys.All(received.ContainsKey)),
                $"all {acknowledged.Count} acknowledged messages consumed", TimeSpan.FromSeconds(60));
        }

        Assert.Equal(0, _cluster.Terminate("broker-a"));
        Assert.False(File.Exists(Path.Combine(store, "abort")), "a clean stop removes the abort file");
    }

    [TmpfsFact]
    public void A_node_on_a_volume_too_small_for_the_key_index_file_refuses_to_start_naming_the_settings()
    {
        var volume = Mount();
        var config = Path.Combine(_cluster.Directory, "small-volume.hocon");
        File.WriteAllText(config, $$"""
            rocket.store {
              dir = "{{Path.Combine(volume.Path, "node").Replace("\\", "/")}}"
              mapped-file-size-commit-log = 8m
            }
            """); // the key index keeps RocketMQ's defaults: 5,000,000 slots and 20,000,000 entries, a 420,000,064-byte file
        using var node = _cluster.StartRaw("Rocket.Node.dll", "--config", config, "--seeds", $"127.0.0.1:{FreePort.Next()}",
            "--port", FreePort.Next().ToString());
        while (node.ReadLine(TimeSpan.FromSeconds(60)) is { } line)
            Assert.False(line.StartsWith("ready", StringComparison.Ordinal), "a node that cannot hold its index files must not start");
        Assert.NotEqual(0, node.WaitForExit());
        var error = node.StandardError;
        Assert.Contains("rocket.store.max-index-num", error);
        Assert.Contains("rocket.store.max-hash-slot-num", error);
        Assert.Contains("400.5 MiB key-index file", error);
        Assert.DoesNotContain("   at ", error); // one clear line, no stack trace
        Assert.DoesNotContain(Directory.GetFiles(volume.Path, "*", SearchOption.AllDirectories), f => new FileInfo(f).Length > 1 << 20);
    }

    private async Task<System.Text.Json.JsonElement> ClusterJson() =>
        (await RocketTool.RunAsync("cluster", "--seeds", _cluster.Seeds, "--json")).Exits(ExitCodes.Ok).Json();
}
