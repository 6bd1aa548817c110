using System.Net;
using Akka.Actor;
using Akka.Configuration;
using HdrHistogram;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Format;

namespace Rocket.Cli.Bench;

/// <summary>
/// Appends messages through the real journal actor (batch mode: pipelined batches; writers mode: that many
/// concurrent single-message writers each awaiting its acknowledgement), then measures raw mmap bandwidth for the
/// same bytes in the same directory.
/// </summary>
public static class StoreBenchmark
{
    private const int BatchesInFlight = 4;

    public static StoreBenchResult Run(StoreBenchOptions options, TextWriter? progress)
    {
        bool ownDirectory = options.Directory is null;
        string root = options.Directory ?? Path.Combine(Path.GetTempPath(), "rocket-bench-" + Guid.NewGuid().ToString("N")[..8]);
        string storeDir = Path.Combine(root, "store-" + Guid.NewGuid().ToString("N")[..8]);
        var overrides = ConfigurationFactory.ParseString(string.Join("\n", options.Overrides));
        Rocket.Settings.KnownSettings.Check(overrides, "--set"); // a misspelled key would silently bench the default
        var config = overrides.WithFallback(ConfigurationFactory.ParseString($$"""
            rocket.store {
              dir = "{{storeDir.Replace("\\", "/")}}"
              flush-disk-type = {{(options.SyncFlush ? "SYNC_FLUSH" : "ASYNC_FLUSH")}}
              mapped-file-size-commit-log = {{options.SegmentSize}}
            }
            akka.loglevel = WARNING
            """)).WithFallback(Rocket.Settings.RocketConfig.Reference);
        var settings = StoreSettings.FromConfig(config);
        try
        {
            var system = ActorSystem.Create("rocket-bench", config);
            var store = MessageStore.Open(settings);
            var storeActor = system.ActorOf(StoreActor.Props(store), "store");
            var journal = storeActor.Ask<IActorRef>(GetJournal.Instance, TimeSpan.FromSeconds(10)).Result;
            long startOffset = store.CommitLog.MaxOffset;

            var body = new byte[options.BodySize];
            Random.Shared.NextBytes(body);
            var host = new IPEndPoint(IPAddress.Loopback, 10911);
            var properties = MessageProperties.Encode([new("TAGS", "bench")]);
            MessageToStore Message() => new("BenchTopic", 0, body, properties, BornTimestamp: 0, BornHost: host);

            progress?.WriteLine($"appending {options.Count:N0} messages of {options.BodySize} B ({(options.SyncFlush ? "SYNC_FLUSH" : "ASYNC_FLUSH")}, " +
                                (options.Writers > 0 ? $"{options.Writers} writers" : $"batches of {options.Batch}") + ") ...");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var histogram = new LongHistogram(TimeStamp.Seconds(60), 3);
            long failed = options.Writers > 0
                ? RunWriters(journal, options, Message, histogram).Result
                : RunBatches(journal, options, Message).Result;
            double elapsed = watch.Elapsed.TotalSeconds;
            long storedBytes = store.CommitLog.MaxOffset - startOffset;

            system.Stop(storeActor);
            system.Terminate().Wait(TimeSpan.FromSeconds(30));

            // The baseline runs right after the store phase, with the store's files still in place, so both phases
            // write into fresh page-cache memory under the same conditions. (Run it first and it would inherit the
            // memory freed by the previous run's baseline; on this VM, free-page reporting makes recently freed pages
            // several times cheaper to fault in than cold ones.)
            progress?.WriteLine("measuring raw mmap bandwidth for the same bytes ...");
            int recordSize = (int)Math.Max(1, storedBytes / Math.Max(1, options.Count - failed));
            double raw = RawMmapBandwidth.MeasureMbPerS(root, storedBytes, recordSize, settings.CommitLogSegmentSize);
            double mbPerS = storedBytes / 1e6 / elapsed;
            bool latency = options.Writers > 0;
            return new StoreBenchResult(
                Flush: options.SyncFlush ? "SYNC_FLUSH" : "ASYNC_FLUSH",
                Mode: options.Writers > 0 ? $"{options.Writers} writers" : $"batches of {options.Batch}",
                Size: options.BodySize,
                Count: options.Count,
                Failed: failed,
                ElapsedMs: elapsed * 1000,
                MsgsPerS: (options.Count - failed) / elapsed,
                MbPerS: mbPerS,
                StoredBytes: storedBytes,
                RawMbPerS: raw,
                Ratio: raw > 0 ? mbPerS / raw : 0,
                P50Us: latency ? histogram.GetValueAtPercentile(50) * 1e6 / System.Diagnostics.Stopwatch.Frequency : null,
                P99Us: latency ? histogram.GetValueAtPercentile(99) * 1e6 / System.Diagnostics.Stopwatch.Frequency : null,
                P999Us: latency ? histogram.GetValueAtPercentile(99.9) * 1e6 / System.Diagnostics.Stopwatch.Frequency : null);
        }
        finally
        {
            try { Directory.Delete(ownDirectory ? root : storeDir, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<long> RunBatches(IActorRef journal, StoreBenchOptions options, Func<MessageToStore> message)
    {
        long remaining = options.Count, failed = 0, batchId = 0;
        var inFlight = new Queue<Task<BatchAppended>>();
        var spare = new Queue<MessageToStore[]>();
        var arrayOf = new Dictionary<long, MessageToStore[]>();
        while (remaining > 0 || inFlight.Count > 0)
        {
            while (remaining > 0 && inFlight.Count < BatchesInFlight)
            {
                int n = (int)Math.Min(options.Batch, remaining);
                var batch = spare.Count > 0 && spare.Peek().Length == n ? spare.Dequeue() : new MessageToStore[n];
                for (int i = 0; i < n; i++) batch[i] = message();
                remaining -= n;
                arrayOf[++batchId] = batch;
                inFlight.Enqueue(journal.Ask<BatchAppended>(new AppendBatch(batchId, batch), TimeSpan.FromSeconds(60)));
            }
            var done = await inFlight.Dequeue();
            foreach (var r in done.Results) if (!r.IsOk) failed++;
            spare.Enqueue(arrayOf[done.BatchId]);
            arrayOf.Remove(done.BatchId);
        }
        return failed;
    }

    private static async Task<long> RunWriters(IActorRef journal, StoreBenchOptions options, Func<MessageToStore> message, LongHistogram histogram)
    {
        long next = 0, failed = 0;
        var recorders = new LongHistogram[options.Writers];
        async Task Writer(int index)
        {
            var local = recorders[index] = new LongHistogram(TimeStamp.Seconds(60), 3);
            var batch = new MessageToStore[1];
            while (Interlocked.Increment(ref next) <= options.Count)
            {
                batch[0] = message();
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                var reply = await journal.Ask<BatchAppended>(new AppendBatch(0, batch), TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                local.RecordValue(System.Diagnostics.Stopwatch.GetTimestamp() - started);
                if (!reply.Results[0].IsOk) Interlocked.Increment(ref failed);
                batch = new MessageToStore[1];
            }
        }
        await Task.WhenAll(Enumerable.Range(0, options.Writers).Select(i => Task.Run(() => Writer(i))));
        foreach (var h in recorders) if (h is not null) histogram.Add(h);
        return failed;
    }
}
