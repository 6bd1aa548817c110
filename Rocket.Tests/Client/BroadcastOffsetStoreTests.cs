using System.Collections.Concurrent;
using System.Text;
using Rocket.Client;
using Rocket.Client.Offsets;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>A broadcasting consumer keeps its offsets in its local file and a restarted one resumes from it.</summary>
public sealed class BroadcastOffsetStoreTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private async Task<PushConsumer> StartAsync(RocketClient client, string dir, ConcurrentQueue<string> received)
    {
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GB")
            {
                MessageModel = MessageModel.Broadcasting, ConsumeFrom = ConsumeFrom.First, LocalOffsetStoreDir = dir,
            })
            .Subscribe("TopicB")
            .RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(Encoding.UTF8.GetString(m.Body));
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();
        return consumer;
    }

    [Fact]
    public async Task A_restarted_broadcast_consumer_resumes_from_its_file_and_commits_nothing_to_the_broker()
    {
        SetRoute("TopicB", 2, "broker-a");
        using var dir = new TempDirectory("broadcast");
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(10), PersistConsumerOffsetInterval = TimeSpan.FromMilliseconds(100) }));
        var producer = client.CreateProducer();
        for (int i = 0; i < 4; i++) await producer.SendAsync(Text("TopicB", $"m{i}"));
        var first = new ConcurrentQueue<string>();
        var consumer = await StartAsync(client, dir.Path, first);
        await AwaitConditionAsync(() => Task.FromResult(first.Count == 4), Patience);

        string file = LocalOffsetStore.PathFor(dir.Path, client.ClientId.Split('@')[0] + "@DEFAULT", "GB");
        // Written periodically, not only at stop.
        await AwaitConditionAsync(() => Task.FromResult(File.Exists(file) && LocalOffsetFile.Read(file).Offsets.Values.Sum() == 4), Patience);
        await consumer.StopAsync();

        for (int i = 4; i < 6; i++) await producer.SendAsync(Text("TopicB", $"m{i}"));
        var second = new ConcurrentQueue<string>();
        var restarted = await StartAsync(client, dir.Path, second);
        await AwaitConditionAsync(() => Task.FromResult(second.Count == 2), Patience);
        Assert.Equal(["m4", "m5"], second.Order()); // not m0..m3 again, although it consumes "from first"
        await restarted.StopAsync();
        Assert.Equal(6, LocalOffsetFile.Read(file).Offsets.Values.Sum());
        Assert.True(File.Exists(LocalOffsetFile.BackupOf(file)));
        Assert.DoesNotContain((await StateOf(BrokerA)).Committed.Keys, k => k.Group == "GB");
    }

    [Fact]
    public async Task Both_offset_files_damaged_fails_the_start_naming_them()
    {
        SetRoute("TopicB", 1, "broker-a");
        using var dir = new TempDirectory("broadcast");
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(10) }));
        string file = LocalOffsetStore.PathFor(dir.Path, client.ClientId.Split('@')[0] + "@DEFAULT", "GB");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "{");
        File.WriteAllText(LocalOffsetFile.BackupOf(file), "}");
        var e = await Assert.ThrowsAsync<LocalOffsetStoreException>(() => StartAsync(client, dir.Path, new ConcurrentQueue<string>()));
        Assert.Contains(file, e.Message);

        // Fixed by the operator: the same client starts (the failed start released the file).
        File.Delete(file);
        File.Delete(LocalOffsetFile.BackupOf(file));
        var consumer = await StartAsync(client, dir.Path, new ConcurrentQueue<string>());
        await consumer.StopAsync();
    }
}
