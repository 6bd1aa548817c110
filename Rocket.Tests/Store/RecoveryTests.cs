using System.Text;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

public class RecoveryTests : IDisposable
{
    private readonly TempDirectory _dir = new("recovery");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_flush_that_ends_inside_a_record_checkpoints_the_records_start_and_a_crash_then_loses_nothing()
    {
        // The asynchronous flush stops at a page boundary, which is rarely a record boundary (RecordsPerPage is not
        // whole). Recovery starts validating at the checkpoint: from a record's middle it would cut the log there.
        var settings = SmallStore(_dir.Path);
        using (var store = MessageStore.Open(settings))
        {
            var results = Enumerable.Range(0, 60).Select(i => store.AppendAll(Message(queueId: 0, body: new string('x', 150) + i))[0]).ToArray();
            int page = Environment.SystemPageSize;
            Assert.DoesNotContain(results, r => r.PhysicalOffset == page); // page 1 starts inside a record
            long flushed = store.FlushLog(page);
            var last = results.Last(r => r.PhysicalOffset + r.Size <= page);
            Assert.Equal(last.PhysicalOffset + last.Size, flushed);
            store.Project(store.ProjectionLimit);
            store.FlushProjections(thorough: false);
            Assert.Equal(flushed, Rocket.Store.Recovery.Checkpoint.Read(settings.CheckpointPath).LogFlushedOffset);
            store.Dispose(); // killed: everything after the flush is only in the page cache
        }
        using var reopened = MessageStore.Open(settings);
        Assert.False(reopened.Recovery.TruncatedInvalidTail);
        Assert.Equal(60, reopened.GetMaxOffset("TopicA", 0));
        Assert.Equal(60, reopened.GetMessages("TopicA", 0, 0, 100, maxBytes: int.MaxValue).Messages.Count);
    }

    [Fact]
    public void A_flush_that_ends_inside_a_segments_blank_tail_keeps_advancing_and_a_crash_then_finds_no_damage()
    {
        // A record too big for the rest of a segment leaves a blank tail there; with records over a page, a page
        // boundary can fall inside it. The flushed offset must stop at the blank's start (a record boundary), not in it:
        // from inside it no later flush could advance it, and recovery would take the blank for damage.
        var settings = SmallStore(_dir.Path, segmentSize: 16 * 1024);
        int page = Environment.SystemPageSize;
        using (var store = MessageStore.Open(settings))
        {
            var first = store.AppendAll(Message(queueId: 0, body: new string('a', 5000)), Message(queueId: 0, body: new string('b', 5000)));
            long blankStart = first[1].PhysicalOffset + first[1].Size;
            var rolled = store.AppendAll(Message(queueId: 0, body: new string('c', 7000)))[0];
            Assert.Equal(settings.CommitLogSegmentSize, rolled.PhysicalOffset); // it went to the next segment
            long inBlank = blankStart + page - blankStart % page;
            Assert.True(inBlank < settings.CommitLogSegmentSize, "a page boundary lies inside the blank tail");

            Assert.Equal(blankStart, store.FlushLog(inBlank));
            store.AppendAll(Message(queueId: 0, body: "after"));
            Assert.Equal(store.CommitLog.MaxOffset, store.FlushLog(long.MaxValue));
            store.Project(store.ProjectionLimit);
            store.FlushProjections(thorough: true);
            Assert.Equal(store.CommitLog.MaxOffset, Rocket.Store.Recovery.Checkpoint.Read(settings.CheckpointPath).LogFlushedOffset);
            store.Dispose(); // killed
        }
        using var reopened = MessageStore.Open(settings);
        Assert.Empty(reopened.Recovery.DamagedRanges);
        Assert.False(reopened.Recovery.TruncatedInvalidTail);
        Assert.Equal(4, reopened.GetMaxOffset("TopicA", 0));
    }

    [Fact]
    public void Periodic_projection_flushes_keep_the_checkpoint_where_the_last_thorough_flush_left_it()
    {
        var settings = SmallStore(_dir.Path);
        using var store = MessageStore.Open(settings);
        for (int i = 0; i < 300; i++) store.AppendAll(Message(queueId: 0, keys: $"k{i}")); // 6000 bytes of queue entries
        store.Project(store.ProjectionLimit);
        store.FlushLog(long.MaxValue);
        long end = store.CommitLog.MaxOffset;

        store.FlushProjections(thorough: false);
        // Only whole queue pages went to disk and the index was not flushed: recovery must still re-project everything.
        Assert.Equal(0, Rocket.Store.Recovery.Checkpoint.Read(settings.CheckpointPath).ProjectionSafeOffset);
        Assert.Equal(end, Rocket.Store.Recovery.Checkpoint.Read(settings.CheckpointPath).LogFlushedOffset);

        store.FlushProjections(thorough: true);
        Assert.Equal(end, Rocket.Store.Recovery.Checkpoint.Read(settings.CheckpointPath).ProjectionSafeOffset);

        // A crash now: nothing is re-projected twice and every entry and key is still there.
        store.Dispose();
        using var reopened = MessageStore.Open(settings);
        Assert.True(reopened.Recovery.Abnormal);
        Assert.Equal(300, reopened.GetMaxOffset("TopicA", 0));
        Assert.Single(reopened.QueryMessagesByKey("TopicA", "k299", 10, 0, long.MaxValue));
    }

    [Fact]
    public void A_whole_page_flush_that_stops_inside_a_record_checkpoints_the_end_of_the_last_whole_record()
    {
        // ASYNC_FLUSH flushes whole pages between thorough flushes. The checkpoint once recorded that page boundary,
        // mid-record; crash recovery then parsed from there, took the rest of the log for torn and cut it (issue 7:
        // thousands of acknowledged messages lost on a SIGKILL restart, and later writes overwrote a record).
        var settings = SmallStore(_dir.Path);
        int page = Environment.SystemPageSize;
        using (var store = MessageStore.Open(settings))
        {
            for (int i = 0; i < 200; i++) store.AppendAll(Message(queueId: 0, keys: $"k{i}"));
            long end = store.CommitLog.MaxOffset;
            long pageEnd = end - end % page;
            var recordEnds = new HashSet<long>();
            store.CommitLog.Scan(0, end, verifyCrc: true, (offset, record) => recordEnds.Add(offset + record.Length), out _);
            Assert.DoesNotContain(pageEnd, recordEnds); // the page boundary really is inside a record

            long flushed = store.FlushLog(pageEnd);
            Assert.Contains(flushed, recordEnds);
            Assert.InRange(flushed, pageEnd - 2000, pageEnd);
            store.FlushProjections(thorough: false);
            Assert.Equal(flushed, Rocket.Store.Recovery.Checkpoint.Read(settings.CheckpointPath).LogFlushedOffset);
            store.Dispose(); // SIGKILL: the page cache keeps everything written
        }

        using (var reopened = MessageStore.Open(settings))
        {
            Assert.True(reopened.Recovery.Abnormal);
            Assert.False(reopened.Recovery.TruncatedInvalidTail);
            Assert.Equal(200, reopened.GetMaxOffset("TopicA", 0));
            for (int i = 0; i < 100; i++) reopened.AppendAll(Message(queueId: 0, keys: $"n{i}"));
            reopened.Shutdown();
        }
        using var again = MessageStore.Open(settings);
        var all = again.GetMessages("TopicA", 0, 0, 1000, maxBytes: int.MaxValue).Messages;
        Assert.Equal(300, all.Count);
    }

    [Fact]
    public void After_a_clean_shutdown_the_store_starts_without_validating_the_log()
    {
        var settings = SmallStore(_dir.Path);
        using (var store = MessageStore.Open(settings))
        {
            for (int i = 0; i < 100; i++) store.AppendAll(Message(queueId: i % 3, keys: $"k{i}"));
            store.Shutdown();
        }
        Assert.False(File.Exists(settings.AbortPath));

        using var reopened = MessageStore.Open(settings);
        Assert.False(reopened.Recovery.Abnormal);
        Assert.Equal(0, reopened.Recovery.RecordsValidated);
        Assert.Equal(34, reopened.GetMaxOffset("TopicA", 0));
        Assert.Equal(33, reopened.GetMaxOffset("TopicA", 2));
        Assert.Single(reopened.QueryMessagesByKey("TopicA", "k99", 32, 0, long.MaxValue));
        Assert.Equal(34, reopened.AppendAll(Message(queueId: 0))[0].QueueOffset);
    }

    [Fact]
    public void After_a_crash_only_the_data_written_since_the_checkpoint_is_validated()
    {
        var settings = SmallStore(_dir.Path);
        using (var store = MessageStore.Open(settings))
        {
            for (int i = 0; i < 500; i++) store.AppendAll(Message(keys: $"k{i}"));
            store.Project(store.ProjectionLimit);
            store.FlushLog(long.MaxValue);
            store.FlushProjections(); // checkpoint after 500 records
            for (int i = 500; i < 520; i++) store.AppendAll(Message(keys: $"k{i}"));
            store.Dispose(); // no clean shutdown: the abort file stays
        }

        using var reopened = MessageStore.Open(settings);
        Assert.True(reopened.Recovery.Abnormal);
        Assert.Equal(20, reopened.Recovery.RecordsValidated);
        Assert.Equal(520, reopened.GetMaxOffset("TopicA", 0));
        var all = reopened.GetMessages("TopicA", 0, 0, 1000, maxBytes: int.MaxValue).Messages;
        Assert.Equal(Enumerable.Range(0, 520).Select(i => (long)i), all.Select(m => m.QueueOffset)); // no duplicates
        Assert.Single(reopened.QueryMessagesByKey("TopicA", "k510", 32, 0, long.MaxValue));
        Assert.Single(reopened.QueryMessagesByKey("TopicA", "k10", 32, 0, long.MaxValue));
    }

    /// <summary>
    /// The store that every torn-tail case starts from: 30 records in three queues, a checkpoint after the first 20,
    /// then a crash. Returns the (offset, size, queue, key) of each record.
    /// </summary>
    private (long Offset, int Size, int Queue, string Key)[] WriteBaseline(StoreSettings settings)
    {
        var written = new List<(long, int, int, string)>();
        using var store = MessageStore.Open(settings);
        for (int i = 0; i < 30; i++)
        {
            var r = store.AppendAll(Message(queueId: i % 3, keys: $"key-{i}", body: $"body-{i}-{new string('x', i)}"))[0];
            written.Add((r.PhysicalOffset, r.Size, i % 3, $"key-{i}"));
            if (i == 19)
            {
                store.Project(store.ProjectionLimit);
                store.FlushLog(long.MaxValue);
                store.FlushProjections();
            }
        }
        store.Project(store.ProjectionLimit); // projections may be ahead of the log after the cut: recovery must trim them
        store.Dispose();
        return [.. written];
    }

    [Fact]
    public void A_log_cut_at_any_byte_keeps_the_complete_records_and_a_corrupt_byte_loses_only_its_own_record()
    {
        var baselineDir = _dir.Combine("baseline");
        var records = WriteBaseline(SmallStore(baselineDir));
        var segmentFile = Path.Combine(SmallStore(baselineDir).CommitLogDirectory, 0L.ToString("D20"));
        long from = records[^3].Offset, to = records[^1].Offset + records[^1].Size;
        var baselineBytes = File.ReadAllBytes(segmentFile);

        int cases = 0;
        for (long cut = from; cut < to; cut++)
        {
            foreach (bool corrupt in new[] { false, true })
            {
                var caseDir = _dir.Combine($"case-{cut}-{corrupt}");
                CopyDirectory(baselineDir, caseDir);
                var settings = SmallStore(caseDir);
                var file = Path.Combine(settings.CommitLogDirectory, Path.GetFileName(segmentFile));
                if (corrupt) FlipByte(file, cut);
                else using (var f = new FileStream(file, FileMode.Open)) f.SetLength(cut);

                // A cut keeps every record that ends at or before it, and nothing after it. One exception: a segment
                // reopens at its full size, zero-filled, so a cut that only removed zero bytes (the CRC's top byte is
                // zero about once in 256 runs) leaves that record byte-identical, and it is kept.
                // A corrupt byte loses only its own record: recovery resynchronises on the valid records after it
                // (when it is the last record, nothing valid follows, and it is a torn tail).
                bool[] kept = records.Select(r => corrupt
                    ? !(r.Offset <= cut && cut < r.Offset + r.Size)
                    : r.Offset + r.Size <= cut || (r.Offset < cut && baselineBytes.AsSpan((int)cut, (int)(r.Offset + r.Size - cut)).IndexOfAnyExcept((byte)0) < 0)).ToArray();
                int lastKept = Array.LastIndexOf(kept, true);
                long expectedEnd = lastKept < 0 ? 0 : records[lastKept].Offset + records[lastKept].Size;
                AssertRecoveredTo(settings, records, kept, expectedEnd, $"{(corrupt ? "corrupt" : "cut")} at {cut}");
                Directory.Delete(caseDir, recursive: true);
                cases++;
            }
        }
        Assert.True(cases > 300, $"only {cases} cases ran");
    }

    private static void AssertRecoveredTo(StoreSettings settings, (long Offset, int Size, int Queue, string Key)[] records, bool[] kept,
        long expectedEnd, string what)
    {
        using var store = MessageStore.Open(settings);
        Assert.True(expectedEnd == store.CommitLog.MaxOffset, $"{what}: log end {store.CommitLog.MaxOffset}, expected {expectedEnd}");
        for (int q = 0; q < 3; q++)
        {
            var expected = records.Where((r, i) => kept[i] && r.Queue == q).Select(r => r.Offset).ToArray();
            var actual = store.GetMessages("TopicA", q, 0, 100, maxBytes: int.MaxValue).Messages.Select(m => m.PhysicalOffset).ToArray();
            Assert.True(expected.SequenceEqual(actual), $"{what}: queue {q} holds [{string.Join(",", actual)}], expected [{string.Join(",", expected)}]");
            // A record lost in the middle keeps its queue offset (a filler slot); only a cut tail gives offsets back.
            Assert.Equal(records.Count(r => r.Queue == q && r.Offset < expectedEnd), store.GetMaxOffset("TopicA", q));
        }
        // The index keeps the kept records' keys and forgets the lost ones.
        for (int i = 0; i < records.Length; i++)
            Assert.True(store.QueryMessagesByKey("TopicA", records[i].Key, 32, 0, long.MaxValue).Count == (kept[i] ? 1 : 0),
                $"{what}: key of record {i} (kept: {kept[i]}) found {store.QueryMessagesByKey("TopicA", records[i].Key, 32, 0, long.MaxValue).Count} times");

        // The store takes new writes right after what it kept, with the next queue offset.
        int queue = 1;
        var next = store.AppendAll(Message(queueId: queue, body: "after"))[0];
        Assert.Equal(expectedEnd, next.PhysicalOffset);
        Assert.Equal(records.Count(r => r.Queue == queue && r.Offset < expectedEnd), next.QueueOffset);
    }

    [Fact]
    public void A_missing_checkpoint_means_the_whole_log_is_validated()
    {
        var settings = SmallStore(_dir.Path);
        var records = WriteBaseline(settings);
        File.Delete(settings.CheckpointPath);
        using var store = MessageStore.Open(settings);
        Assert.Equal(30, store.Recovery.RecordsValidated);
        Assert.Equal(records[^1].Offset + records[^1].Size, store.CommitLog.MaxOffset);
    }

    private static void FlipByte(string file, long position)
    {
        using var f = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        f.Position = position;
        int b = f.ReadByte();
        f.Position = position;
        f.WriteByte((byte)(b ^ 0xA5));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            if (Path.GetFileName(file) != "lock") File.Copy(file, file.Replace(from, to));
    }
}
