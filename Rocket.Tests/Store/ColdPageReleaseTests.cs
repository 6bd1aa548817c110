using System.Text;
using Rocket.Store;
using Rocket.Store.Index;
using Rocket.Store.Log;
using Rocket.Store.Mapped;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

/// <summary>
/// rocket.store.release-cold-pages: pages the broker no longer touches leave its resident set, and nothing written
/// is lost, even pages released while still dirty (never flushed).
/// </summary>
public class ColdPageReleaseTests : IDisposable
{
    private readonly TempDirectory _dir = new("coldpages");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Released_pages_leave_the_resident_set_and_dirty_data_survives_without_a_flush()
    {
        const int size = 4 << 20;
        string directory = Path.Combine(_dir.Path, "log");
        string file;
        using (var log = new SegmentedFile(directory, size))
        {
            var segment = log.GetWritable();
            file = segment.FilePath;
            Fill(segment.Span(0, size));
            segment.WritePosition = size;
            Assert.True(MappedResidency.BytesOf(file) >= size - (64 << 10), $"written: {MappedResidency.BytesOf(file)} bytes resident");

            log.ReleasePagesBelow(size - (1 << 20)); // keep the last MiB
            long resident = MappedResidency.BytesOf(file);
            Assert.InRange(resident, (1 << 20) - 4096, (1 << 20) + 4096);

            Assert.True(Matches(segment.ReadOnlySpan(0, size)), "the data reads back through the mapping after the release");
            Assert.True(MappedResidency.BytesOf(file) >= size - (64 << 10), "reading maps the pages again");
            log.ReleasePagesBelow(size);
            Assert.Equal(0, MappedResidency.BytesOf(file));
        } // closed without any msync: released dirty pages must still reach the file
        Assert.True(Matches(File.ReadAllBytes(file)), "what was written before the release is in the file");
    }

    [Fact]
    public void The_store_keeps_the_commit_log_tail_resident_and_reads_everything_back()
    {
        var settings = SmallStore(_dir.Path, segmentSize: 1 << 20) with { ResidentCommitLogTail = 128 << 10 };
        using var store = MessageStore.Open(settings);
        var bodies = Enumerable.Range(0, 3000).Select(i => $"{i}:" + new string((char)('a' + i % 26), 1000)).ToArray();
        foreach (var chunk in bodies.Chunk(100)) store.AppendAll(chunk.Select(b => Message(body: b)).ToArray());
        store.Project(store.ProjectionLimit);
        var full = FullSegments(store);
        Assert.True(full.Length >= 2, $"{full.Length} full segments");
        Assert.All(full, f => Assert.True(MappedResidency.BytesOf(f) > 0));

        store.FlushProjections();
        store.ReleaseColdPages();
        Assert.All(full[..^1], f => Assert.Equal(0, MappedResidency.BytesOf(f))); // the last full one may hold the tail

        var read = store.GetMessages("TopicA", 0, 0, 5000, maxBytes: int.MaxValue).Messages;
        Assert.Equal(bodies, read.Select(m => Encoding.UTF8.GetString(m.Body)));
    }

    [Fact]
    public void The_key_index_file_being_written_keeps_its_hash_slots_resident_and_older_files_release_theirs()
    {
        const int slots = 64 << 10, entries = 20_000; // 256 KiB of hash slots: 64 pages
        string directory = Path.Combine(_dir.Path, "index");
        using var index = new KeyIndex(directory, slots, entries);
        index.Load();
        // A unique key per message, as UNIQ_KEY gives every message: the first file fills and a second one starts.
        for (int i = 0; i < entries + 2_000; i++)
            index.Put("T"u8, default, Encoding.UTF8.GetBytes($"key-{i}"), physicalOffset: 100L * (i + 1), storeTimestamp: 1_700_000_000_000);
        var files = Directory.GetFiles(directory).Order().ToArray();
        Assert.Equal(2, files.Length);

        index.ReleaseColdPages(keepTailBytes: 0);

        // 2,000 random slots touch every one of the 64 slot pages (a page is missed with probability (63/64)^2000).
        long slotBytes = slots * 4L;
        Assert.True(MappedResidency.BytesOf(files[1]) >= slotBytes,
            $"the written file has {MappedResidency.BytesOf(files[1])} bytes resident; its hash slots alone are {slotBytes}");
        Assert.True(MappedResidency.BytesOf(files[0]) <= 2 * 4096,
            $"the full file keeps {MappedResidency.BytesOf(files[0])} bytes resident (at most its header and last entry pages)");
        Assert.Equal([100L * (entries + 2_000)], index.Query("T", $"key-{entries + 1_999}", 10, 0, long.MaxValue));
    }

    [Fact]
    public void Release_is_off_when_the_setting_says_so()
    {
        var settings = SmallStore(_dir.Path, segmentSize: 1 << 20) with { ResidentCommitLogTail = -1 };
        using var store = MessageStore.Open(settings);
        foreach (var chunk in Enumerable.Range(0, 3000).Chunk(100))
            store.AppendAll(chunk.Select(i => Message(body: new string('x', 1000))).ToArray());
        store.Project(store.ProjectionLimit); // reads every record through the mapping (the writer maps none)
        store.ReleaseColdPages();
        Assert.All(FullSegments(store), f => Assert.True(MappedResidency.BytesOf(f) > 0));
    }

    [Fact]
    public void The_settings_read_release_cold_pages_and_the_tail()
    {
        var on = StoreSettings.FromConfig(Akka.Configuration.ConfigurationFactory.ParseString("rocket.store.resident-commit-log-tail = 8m"));
        Assert.Equal(8L << 20, on.ResidentCommitLogTail);
        var off = StoreSettings.FromConfig(Akka.Configuration.ConfigurationFactory.ParseString("rocket.store.release-cold-pages = off"));
        Assert.True(off.ResidentCommitLogTail < 0);
    }

    private static string[] FullSegments(MessageStore store) =>
        store.CommitLog.Segments.Segments.Where(s => s.IsFull).Select(s => s.FilePath).ToArray();

    private static void Fill(Span<byte> span)
    {
        for (int i = 0; i < span.Length; i++) span[i] = (byte)(i * 31 + (i >> 12));
    }

    private static bool Matches(ReadOnlySpan<byte> span)
    {
        for (int i = 0; i < span.Length; i++)
            if (span[i] != (byte)(i * 31 + (i >> 12))) return false;
        return true;
    }
}
