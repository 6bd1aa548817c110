using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Store.Replication;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Store.Replication;

/// <summary>
/// The store side's catch-up rate: a 64 MiB log of 1 KiB messages copied into an empty slave (ReplicaCopy), printed.
/// Set ROCKET_REPLICA_COPY_MIB to copy more (e.g. 1024 for the 1 GiB figure).
/// </summary>
public class ReplicaCopyBenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public void Copies_a_log_into_an_empty_slave_byte_for_byte_and_reports_the_rate()
    {
        int mib = int.TryParse(Environment.GetEnvironmentVariable("ROCKET_REPLICA_COPY_MIB"), out int m) ? m : 64;
        using var masterDir = new TempDirectory("copy-master");
        using var slaveDir = new TempDirectory("copy-slave");
        StoreSettings Settings(string dir) => TestMessages.SmallStore(dir, segmentSize: 64 << 20) with
        {
            ConsumeQueueFileSize = 300_000 * 20, MaxHashSlotNum = 500_000, MaxIndexNum = 2_000_000,
        };
        using var master = MessageStore.Open(Settings(masterDir.Path));
        using var slave = MessageStore.Open(Settings(slaveDir.Path));
        var body = new byte[1024];
        var batch = Enumerable.Range(0, 64).Select(i => TestMessages.Message("Bench", i % 8) with { Body = body }).ToArray();
        var results = new Rocket.Store.Log.AppendResult[batch.Length];
        while (master.MaxOffset < (long)mib << 20) master.Append(batch, results);
        master.Project(master.ProjectionLimit);

        var result = ReplicaCopy.CatchUp(master, slave);
        output.WriteLine($"replica catch-up: {result.Bytes / 1e6:F0} MB in {result.Chunks} chunks: copy {result.CopyMegabytesPerSecond:F0} MB/s " +
                         $"({result.CopyTime.TotalMilliseconds:F0} ms), with projection {result.TotalMegabytesPerSecond:F0} MB/s ({result.ProjectTime.TotalMilliseconds:F0} ms)");
        Console.WriteLine($"replica catch-up: {result.Bytes / 1e6:F0} MB, copy {result.CopyMegabytesPerSecond:F0} MB/s, with projection {result.TotalMegabytesPerSecond:F0} MB/s");
        Assert.Equal(master.MaxOffset, result.Bytes);
        ReplicaStores.AssertSameLog(master, slave);
        foreach (var queue in master.ConsumeQueues.All)
            Assert.Equal(queue.MaxOffset, slave.ConsumeQueues.Find(queue.Topic, queue.QueueId)!.MaxOffset);
    }
}
