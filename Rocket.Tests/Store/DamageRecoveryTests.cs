using System.Text.Json;
using Microsoft.Extensions.Logging;
using Rocket.Store;
using Rocket.Store.Recovery;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

/// <summary>Damage in the middle of the log, a torn tail with later segments, corrupt records met while serving, and the offline verifier.</summary>
public class DamageRecoveryTests : IDisposable
{
    private readonly TempDirectory _dir = new("damage");

    public void Dispose() => _dir.Dispose();

    public sealed record Written(long Offset, int Size, int Queue, long QueueOffset, string Key);

    /// <summary>Writes <paramref name="count"/> messages over several 8 KiB segments; stops cleanly or as a crash.</summary>
    internal static Written[] WriteStore(StoreSettings settings, int count, bool clean, Func<int, int>? bodySize = null)
    {
        var written = new List<Written>();
        using var store = MessageStore.Open(settings);
        for (int i = 0; i < count; i++)
        {
            var r = store.AppendAll(Message(queueId: i % 3, keys: $"key-{i}", body: $"body-{i}-" + new string((char)('a' + i % 26), bodySize?.Invoke(i) ?? 100 + i % 150)))[0];
            written.Add(new Written(r.PhysicalOffset, r.Size, i % 3, r.QueueOffset, $"key-{i}"));
        }
        store.Project(store.ProjectionLimit);
        store.FlushLog(long.MaxValue);
        store.FlushProjections();
        if (clean) store.Shutdown();
        else store.Dispose();
        return [.. written];
    }

    internal static StoreSettings Settings(string directory) => SmallStore(directory, segmentSize: 8 * 1024);

    internal static string SegmentFileOf(StoreSettings settings, long offset) =>
        Path.Combine(settings.CommitLogDirectory, (offset - offset % settings.CommitLogSegmentSize).ToString("D20"));

    internal static void Overwrite(StoreSettings settings, long offset, byte[] bytes)
    {
        using var f = new FileStream(SegmentFileOf(settings, offset), FileMode.Open, FileAccess.ReadWrite);
        f.Position = offset % settings.CommitLogSegmentSize;
        f.Write(bytes);
    }

    /// <summary>The issue's case: a crash with a stale checkpoint (none) and 8 bytes overwritten at a record start mid-log.</summary>
    [Fact]
    public void Damage_in_the_middle_of_the_log_loses_only_the_damaged_record_and_reports_range_count_and_quarantine()
    {
        var settings = Settings(_dir.Path);
        var records = WriteStore(settings, 300, clean: true);
        Assert.True(records[^1].Offset > 4 * settings.CommitLogSegmentSize, "the log spans several segments");
        var victim = records.First(r => r.Offset > settings.CommitLogSegmentSize + settings.CommitLogSegmentSize / 2);
        int victimIndex = Array.IndexOf(records, victim);
        var original = File.ReadAllBytes(SegmentFileOf(settings, victim.Offset));
        Overwrite(settings, victim.Offset, [1, 2, 3, 4, 5, 6, 7, 8]);
        File.Delete(settings.CheckpointPath);
        File.WriteAllBytes(settings.AbortPath, []);

        var logs = new CapturingLoggerFactory();
        using (var store = MessageStore.Open(settings, logger: logs.CreateLogger("Rocket.Store")))
        {
            var range = Assert.Single(store.Recovery.DamagedRanges);
            Assert.Equal(victim.Offset, range.Start);
            Assert.Equal(records[victimIndex + 1].Offset, range.End);
            Assert.Equal(1, range.LostMessages);
            Assert.True(range.CountIsExact);
            Assert.Equal(0, store.Recovery.TailBytesCut);
            Assert.Equal(records[^1].Offset + records[^1].Size, store.CommitLog.MaxOffset);
            AssertServes(store, records, except: [victimIndex]);

            // The quarantine holds the damaged bytes as they were found, and a manifest naming file, offsets and reason.
            Assert.NotNull(store.Recovery.QuarantineFolder);
            var saved = File.ReadAllBytes(range.QuarantinedAs);
            Assert.Equal(range.Bytes, saved.Length);
            Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], saved[..8]);
            Assert.Equal(original.AsSpan((int)(victim.Offset % settings.CommitLogSegmentSize) + 8, victim.Size - 8).ToArray(), saved[8..victim.Size]);
            using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(store.Recovery.QuarantineFolder!, Quarantine.ManifestName)));
            var item = Assert.Single(manifest.RootElement.GetProperty("items").EnumerateArray());
            Assert.Equal(victim.Offset, item.GetProperty("log_offset").GetInt64());
            Assert.Equal(range.Bytes, item.GetProperty("length").GetInt64());
            Assert.Equal(SegmentFileOf(settings, victim.Offset), item.GetProperty("source").GetString());

            // Logged loudly, with the range, the byte count and the lost count.
            var error = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
            Assert.Contains($"[{range.Start}, {range.End})", error.Message);
            Assert.Contains($"({range.Bytes} bytes)", error.Message);
            Assert.Contains("messages lost: 1", error.Message);
            Assert.Contains($"TopicA/{victim.Queue} offsets {victim.QueueOffset}", error.Message);

            // New writes continue the queue offsets: the lost one is never handed out again.
            var next = store.AppendAll(Message(queueId: victim.Queue, keys: "key-after"))[0];
            Assert.Equal(records.Count(r => r.Queue == victim.Queue), next.QueueOffset);
            records = [.. records, new Written(next.PhysicalOffset, next.Size, victim.Queue, next.QueueOffset, "key-after")];
            store.Shutdown();
        }

        // The filled range is part of the format now: later starts (clean or crash) find nothing new and keep everything.
        File.Delete(settings.CheckpointPath);
        File.WriteAllBytes(settings.AbortPath, []);
        using (var again = MessageStore.Open(settings))
        {
            Assert.Empty(again.Recovery.DamagedRanges);
            Assert.Null(again.Recovery.QuarantineFolder);
            AssertServes(again, records, except: [victimIndex]);
            Assert.Equal(records.Count(r => r.Queue == victim.Queue), again.GetMaxOffset("TopicA", victim.Queue));
        }
        var verified = StoreVerifier.Verify(settings.Directory);
        Assert.True(verified.Clean, string.Join("; ", verified.Damaged));
        Assert.Equal(victim.Offset, Assert.Single(verified.Filled).Start);
    }

    [Fact]
    public void A_torn_tail_is_cut_and_what_is_cut_including_later_segments_goes_to_the_quarantine()
    {
        var settings = Settings(_dir.Path);
        var records = WriteStore(settings, 300, clean: false);
        // Damage the first record of the second-to-last segment and every record after it, and the blank marker
        // between them: nothing valid follows, but the bytes are there (a torn tail over two segments).
        long lastSegment = records[^1].Offset - records[^1].Offset % settings.CommitLogSegmentSize;
        var victim = records.First(r => r.Offset > lastSegment - settings.CommitLogSegmentSize); // not the first: part of its segment stays
        int victimIndex = Array.IndexOf(records, victim);
        foreach (var r in records.Skip(victimIndex)) Overwrite(settings, r.Offset + 20, [0xFF, 0xFF]); // queue offset field: CRC fails
        var lastBefore = records.Last(r => r.Offset < lastSegment);
        Overwrite(settings, lastBefore.Offset + lastBefore.Size, new byte[8]); // the blank marker
        File.Delete(settings.CheckpointPath);

        using var store = MessageStore.Open(settings);
        Assert.Empty(store.Recovery.DamagedRanges);
        Assert.True(store.Recovery.TruncatedInvalidTail);
        Assert.Equal(victim.Offset, store.CommitLog.MaxOffset);
        AssertServes(store, records[..victimIndex], except: []);
        var quarantined = Directory.GetFiles(store.Recovery.QuarantineFolder!, "*", SearchOption.AllDirectories);
        Assert.Contains(quarantined, f => f.EndsWith(Path.Combine("commitlog", lastSegment.ToString("D20")))); // moved whole
        Assert.True(quarantined.Any(f => Path.GetFileName(f).StartsWith($"commitlog-{victim.Offset:D20}-")), string.Join(", ", quarantined)); // the tail bytes
        Assert.False(File.Exists(SegmentFileOf(settings, lastSegment)));
        Assert.Contains("torn or corrupt tail", File.ReadAllText(Path.Combine(store.Recovery.QuarantineFolder!, Quarantine.ManifestName)));
    }

    [Fact]
    public void A_record_whose_body_was_flipped_is_never_served_the_reader_moves_past_it_and_the_store_logs_it()
    {
        var settings = Settings(_dir.Path);
        var records = WriteStore(settings, 60, clean: true);
        var victim = records[31];
        Overwrite(settings, victim.Offset + 90, [0x42, 0x42, 0x42]); // inside the body; the framing stays intact
        var logs = new CapturingLoggerFactory();
        using var store = MessageStore.Open(settings, logger: logs.CreateLogger("Rocket.Store"));
        Assert.Empty(store.Recovery.DamagedRanges); // below the checkpoint: recovery does not look there

        var read = store.GetMessages("TopicA", victim.Queue, victim.QueueOffset, 1);
        Assert.Equal(victim.QueueOffset + 1, Assert.Single(read.Messages).QueueOffset); // stepped over it
        Assert.Equal(victim.QueueOffset + 2, read.NextBeginOffset);
        Assert.Equal(1, store.CorruptRecordsSkipped);
        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains($"topic TopicA queue {victim.Queue} queue offset {victim.QueueOffset}, commit-log offset {victim.Offset}", warning.Message);
        AssertServes(store, records, except: [31]);
        Assert.Null(store.ReadMessage(victim.Offset));
        Assert.Equal(2, store.CorruptRecordsSkipped);

        // The last record of its queue: the read finds nothing but still moves the reader past it.
        var last = records[^1];
        Overwrite(settings, last.Offset + 90, [0x42]);
        var tail = store.GetMessages("TopicA", last.Queue, last.QueueOffset, 8);
        Assert.Empty(tail.Messages);
        Assert.Equal(GetMessageStatus.NoMatchedMessage, tail.Status);
        Assert.Equal(last.QueueOffset + 1, tail.NextBeginOffset);
    }

    [Fact]
    public void The_verifier_lists_damaged_ranges_and_the_queue_entries_into_them_and_refuses_a_locked_store()
    {
        var settings = Settings(_dir.Path);
        var records = WriteStore(settings, 200, clean: true);
        var clean = StoreVerifier.Verify(settings.Directory);
        Assert.True(clean.Clean);
        Assert.Equal(200, clean.Records);
        Assert.Equal(200, clean.QueueEntries);

        Overwrite(settings, records[50].Offset + 4, [0, 0, 0, 0]);  // magic gone
        Overwrite(settings, records[120].Offset + 95, [0x13]);     // a body byte: only the CRC sees it
        var report = StoreVerifier.Verify(settings.Directory);
        Assert.False(report.Clean);
        Assert.Equal(2, report.Damaged.Count);
        Assert.All(report.Damaged, r => Assert.Equal("damaged", r.Kind));
        Assert.Equal((records[50].Offset, records[51].Offset, 1L), (report.Damaged[0].Start, report.Damaged[0].End, report.Damaged[0].RecordsAffected));
        Assert.Equal((records[120].Offset, records[121].Offset, 1L), (report.Damaged[1].Start, report.Damaged[1].End, report.Damaged[1].RecordsAffected));
        Assert.Equal(2, report.BadQueueEntryCount);
        Assert.Equal(198, report.Records);

        using var running = MessageStore.Open(settings);
        Assert.Throws<StoreLockedException>(() => StoreVerifier.Verify(settings.Directory));
    }

    /// <summary>Every record but <paramref name="except"/> is served from its queue at its queue offset and found by its key; the others are not.</summary>
    internal static void AssertServes(MessageStore store, Written[] records, int[] except)
    {
        for (int q = 0; q < 3; q++)
        {
            var expected = records.Where((r, i) => r.Queue == q && !except.Contains(i)).Select(r => (r.QueueOffset, r.Offset)).ToArray();
            var actual = new List<(long, long)>();
            long next = 0;
            for (int guard = 0; guard < 10_000; guard++)
            {
                var read = store.GetMessages("TopicA", q, next, 64, maxBytes: int.MaxValue);
                actual.AddRange(read.Messages.Select(m => (m.QueueOffset, m.PhysicalOffset)));
                // A lost first message raises the queue's min offset: like a consumer, continue there.
                if (read.Status is not (GetMessageStatus.Found or GetMessageStatus.NoMatchedMessage or GetMessageStatus.OffsetTooSmall)) break;
                next = read.NextBeginOffset;
            }
            Assert.True(expected.SequenceEqual(actual), $"queue {q}: served [{string.Join(",", actual)}], expected [{string.Join(",", expected)}]");
        }
        for (int i = 0; i < records.Length; i++)
        {
            int found = store.QueryMessagesByKey("TopicA", records[i].Key, 32, 0, long.MaxValue).Count;
            Assert.True(found == (except.Contains(i) ? 0 : 1), $"key of record {i}: found {found} times");
        }
    }
}
