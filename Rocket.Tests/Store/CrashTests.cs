using System.Text;
using Rocket.Cli.Store;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Store;

/// <summary>A real writer process, killed with SIGKILL mid-stream: nothing it was told is durable may be lost.</summary>
public class CrashTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new("crash");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Every_acknowledged_sync_flush_write_survives_sigkill_and_the_store_accepts_new_writes()
    {
        var storeDir = _dir.Combine("store");
        var acked = new List<(long Seq, int Queue, long QueueOffset, long Physical)>();
        using (var writer = ChildProcess.StartDotnet("rocket.dll", "store", "write", "--dir", storeDir, "--flush", "sync",
                   "--writers", "16", "--segment-size", "256k"))
        {
            Assert.Equal("ready", writer.ReadLine(Patience));

            // While the writer holds the store, nobody else may open it.
            var locked = Assert.Throws<StoreLockedException>(() => MessageStore.Open(new StoreSettings { Directory = storeDir }));
            Assert.Contains($"pid {writer.Id}", locked.Message);

            while (acked.Count < 3000)
            {
                var line = writer.ReadLine(Patience) ?? throw new Xunit.Sdk.XunitException($"writer exited early: {writer.StandardError}");
                var parts = line.Split(' ');
                acked.Add((long.Parse(parts[1]), int.Parse(parts[2]), long.Parse(parts[3]), long.Parse(parts[4])));
            }
            writer.Kill(); // SIGKILL while its writers are still appending
        }

        var settings = new StoreSettings
        {
            Directory = storeDir, CommitLogSegmentSize = 256 * 1024, ConsumeQueueFileSize = 20 * 1024,
            MaxMessageSize = 64 * 1024, MaxHashSlotNum = 4096, MaxIndexNum = 16384,
        };
        using var store = MessageStore.Open(settings);
        Assert.True(store.Recovery.Abnormal);
        Assert.True(store.CommitLog.Segments.Segments.Count > 1, "the drill should span segment rolls");
        foreach (var (seq, queue, queueOffset, physical) in acked)
        {
            var byQueue = store.GetMessages("CrashTopic", queue, queueOffset, 1);
            Assert.True(byQueue.Messages.Count == 1, $"acknowledged message {seq} (queue {queue} offset {queueOffset}) is missing: {byQueue.Status}");
            var message = byQueue.Messages[0];
            Assert.Equal(physical, message.PhysicalOffset);
            Assert.Equal(StoreWriteCommand.BodyOf(seq), Encoding.ASCII.GetString(message.Body));
        }
        Assert.Single(store.QueryMessagesByKey("CrashTopic", $"seq-{acked[^1].Seq}", 4, 0, long.MaxValue));

        // Queue offsets continue without gaps or reuse after the restart.
        long next = store.GetMaxOffset("CrashTopic", 0);
        var after = store.AppendAll(new Rocket.Store.Format.MessageToStore("CrashTopic", 0, "after"u8.ToArray()));
        Assert.Equal(next, after[0].QueueOffset);
        store.Project(store.ProjectionLimit);
        Assert.Equal(store.GetMessages("CrashTopic", 0, 0, 100_000, int.MaxValue).Messages.Select(m => m.QueueOffset),
            Enumerable.Range(0, (int)next + 1).Select(i => (long)i));
    }
}
