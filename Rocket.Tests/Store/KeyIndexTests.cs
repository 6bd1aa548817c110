using System.Text;
using FsCheck.Xunit;
using Rocket.Store.Index;
using Xunit;

namespace Rocket.Tests.Store;

public sealed class KeyIndexTests : IDisposable
{
    private const long T0 = 1_700_000_000_000;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "rocket-keyindex-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private KeyIndex Open(int slots = 16, int entries = 8, string? directory = null)
    {
        var index = new KeyIndex(directory ?? _directory, slots, entries);
        index.Load();
        return index;
    }

    private static void Put(KeyIndex index, string topic, string keys, long offset, long timestamp = T0, string unique = "") =>
        index.Put(Encoding.UTF8.GetBytes(topic), Encoding.UTF8.GetBytes(keys), Encoding.UTF8.GetBytes(unique), offset, timestamp);

    private static IReadOnlyList<long> Find(KeyIndex index, string topic, string key, int maxNum = 1000,
        long begin = 0, long end = long.MaxValue) => index.Query(topic, key, maxNum, begin, end);

    private string[] IndexFiles() => Directory.GetFiles(_directory).Select(Path.GetFileName).Order().ToArray()!;

    [Fact]
    public void Finds_a_single_key()
    {
        using var index = Open();
        Put(index, "orders", "k1", 100);

        Assert.Equal([100L], Find(index, "orders", "k1"));
        Assert.Empty(Find(index, "orders", "k2"));
        Assert.Equal(100, index.EndPhysicalOffset);
    }

    [Fact]
    public void Empty_index_has_no_end_and_finds_nothing()
    {
        using var index = Open();
        Assert.Equal(-1, index.EndPhysicalOffset);
        Assert.Equal(0, index.FileCount);
        Assert.Empty(Find(index, "orders", "k1"));
    }

    [Fact]
    public void Finds_each_of_several_space_separated_keys_and_skips_empty_pieces()
    {
        using var index = Open(entries: 2);
        Put(index, "orders", "  a   b ", 100);

        Assert.Equal([100L], Find(index, "orders", "a"));
        Assert.Equal([100L], Find(index, "orders", "b"));
        Assert.Equal(1, index.FileCount); // two entries, not four: empty pieces took no room
    }

    [Fact]
    public void Finds_the_unique_key_and_reports_a_message_once_when_keys_repeat()
    {
        using var index = Open();
        Put(index, "orders", "a", 100, unique: "U-1");
        Put(index, "orders", "a a", 200, unique: "a");

        Assert.Equal([100L], Find(index, "orders", "U-1"));
        Assert.Equal([200L, 100L], Find(index, "orders", "a"));
    }

    [Fact]
    public void Ignores_messages_without_keys()
    {
        using var index = Open();
        Put(index, "orders", "   ", 100);
        Assert.Equal(-1, index.EndPhysicalOffset);
        Assert.Equal(0, index.FileCount);
    }

    [Fact]
    public void Keeps_the_same_key_apart_in_two_topics()
    {
        using var index = Open();
        Put(index, "orders", "k", 100);
        Put(index, "payments", "k", 200);

        Assert.Equal([100L], Find(index, "orders", "k"));
        Assert.Equal([200L], Find(index, "payments", "k"));
        Assert.Empty(Find(index, "refunds", "k"));
    }

    [Fact]
    public void Filters_by_store_time_inclusively()
    {
        using var index = Open(entries: 100);
        for (int i = 0; i < 10; i++) Put(index, "t", "k", 100 * (i + 1), T0 + i * 1000);

        Assert.Equal([400L, 300L, 200L], Find(index, "t", "k", begin: T0 + 1000, end: T0 + 3000));
        Assert.Equal([100L], Find(index, "t", "k", begin: 0, end: T0));
        Assert.Empty(Find(index, "t", "k", begin: T0 + 10_000, end: T0 + 20_000));
        Assert.Empty(Find(index, "t", "k", begin: T0 + 3000, end: T0 + 1000));
    }

    [Fact]
    public void Returns_at_most_maxNum_newest_first()
    {
        using var index = Open();
        for (int i = 1; i <= 20; i++) Put(index, "t", "k", i * 10, T0 + i);

        Assert.Equal([200L, 190L, 180L], Find(index, "t", "k", maxNum: 3));
        Assert.Empty(Find(index, "t", "k", maxNum: 0));
        Assert.Equal(20, Find(index, "t", "k").Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Colliding_slots_keep_keys_apart(int slots)
    {
        using var index = Open(slots: slots, entries: 64);
        for (int i = 0; i < 40; i++) Put(index, "t", "key-" + (i % 5), 1000 + i, T0 + i);

        for (int k = 0; k < 5; k++)
        {
            var expected = Enumerable.Range(0, 40).Where(i => i % 5 == k).Select(i => 1000L + i).Reverse();
            Assert.Equal(expected, Find(index, "t", "key-" + k));
        }
    }

    [Fact]
    public void Rolls_to_new_files_when_full_and_queries_across_them()
    {
        using var index = Open(slots: 16, entries: 8);
        for (int i = 1; i <= 30; i++) Put(index, "t", "k" + (i % 2), i * 100, T0 + i);

        Assert.Equal(4, index.FileCount);
        Assert.Equal(["00000000000000000100", "00000000000000000900", "00000000000000001700", "00000000000000002500"], IndexFiles());
        Assert.Equal(Enumerable.Range(1, 30).Where(i => i % 2 == 0).Select(i => i * 100L).Reverse(), Find(index, "t", "k0"));
        Assert.Equal(15, Find(index, "t", "k1").Count);
    }

    [Fact]
    public void Keeps_all_keys_of_a_message_in_one_file()
    {
        using var index = Open(entries: 4);
        Put(index, "t", "a b c", 100);
        Put(index, "t", "d e", 200); // only one entry left: the whole message goes to a new file

        Assert.Equal(["00000000000000000100", "00000000000000000200"], IndexFiles());
        Assert.Equal([200L], Find(index, "t", "e"));
    }

    [Fact]
    public void Rolls_when_store_time_cannot_be_kept_as_a_delta()
    {
        using var index = Open(entries: 100);
        Put(index, "t", "k", 100, T0);
        Put(index, "t", "k", 200, T0 + int.MaxValue + 1L); // beyond a 32-bit millisecond delta
        Put(index, "t", "k", 300, T0 - 5);                  // the clock went back

        Assert.Equal(3, index.FileCount);
        Assert.Equal([100L], Find(index, "t", "k", begin: T0, end: T0));
        Assert.Equal([200L], Find(index, "t", "k", begin: T0 + int.MaxValue + 1L, end: long.MaxValue));
        Assert.Equal([300L], Find(index, "t", "k", begin: T0 - 5, end: T0 - 5));
    }

    [Fact]
    public void Replaying_already_indexed_messages_adds_nothing()
    {
        using var index = Open(entries: 8);
        for (int i = 1; i <= 10; i++) Put(index, "t", "k", i * 100, T0 + i);
        int files = index.FileCount;

        for (int i = 1; i <= 10; i++) Put(index, "t", "k", i * 100, T0 + i);
        Assert.Equal(10, Find(index, "t", "k").Count);
        Assert.Equal(files, index.FileCount);
        Assert.Equal(1000, index.EndPhysicalOffset);

        Put(index, "t", "k", 1100, T0 + 11);
        Assert.Equal(11, Find(index, "t", "k").Count);
    }

    [Fact]
    public void Reloading_from_disk_gives_the_same_answers()
    {
        var expected = new Dictionary<string, IReadOnlyList<long>>();
        using (var index = Open(slots: 4, entries: 8))
        {
            for (int i = 1; i <= 25; i++) Put(index, "t", $"k{i % 3} x{i % 4}", i * 100, T0 + i, unique: "u" + i);
            foreach (string key in new[] { "k0", "k1", "k2", "x0", "x3", "u7", "u25" })
                expected[key] = Find(index, "t", key);
            index.Flush();
            Assert.Equal(2500, index.FlushedPhysicalOffset);
        }

        using var reloaded = Open(slots: 4, entries: 8);
        Assert.Equal(2500, reloaded.EndPhysicalOffset);
        foreach (var (key, offsets) in expected) Assert.Equal(offsets, Find(reloaded, "t", key));

        Put(reloaded, "t", "k0", 2600, T0 + 26); // the reloaded tail file keeps accepting entries
        Assert.Equal(2600, Find(reloaded, "t", "k0")[0]);
    }

    [Fact]
    public void Reload_with_other_settings_still_reads_existing_files()
    {
        using (var index = Open(slots: 4, entries: 8))
            for (int i = 1; i <= 10; i++) Put(index, "t", "k", i * 100, T0 + i);

        using var reloaded = Open(slots: 32, entries: 3);
        Assert.Equal(10, Find(reloaded, "t", "k").Count);
        Put(reloaded, "t", "k", 1100, T0 + 11);
        Assert.Equal(11, Find(reloaded, "t", "k").Count);
    }

    /// <summary>Files of 4 one-key messages: [100..400], [500..800], [900..1200].</summary>
    private KeyIndex ThreeFiles()
    {
        var index = Open(entries: 4);
        for (int i = 1; i <= 12; i++) Put(index, "t", "k", i * 100, T0 + i);
        Assert.Equal(3, index.FileCount);
        return index;
    }

    [Fact]
    public void RemoveFilesAfter_in_the_middle_deletes_whole_files_and_says_where_to_replay()
    {
        using var index = ThreeFiles();

        Assert.Equal(500, index.RemoveFilesAfter(600));
        Assert.Equal(400, index.EndPhysicalOffset);
        Assert.Equal(["00000000000000000100"], IndexFiles());
        Assert.Equal([400L, 300L, 200L, 100L], Find(index, "t", "k"));

        for (int i = 5; i <= 12; i++) Put(index, "t", "k", i * 100, T0 + i); // the replay
        Assert.Equal(12, Find(index, "t", "k").Count);
        Assert.Equal(3, index.FileCount);
    }

    [Fact]
    public void RemoveFilesAfter_a_file_end_deletes_that_file()
    {
        using var index = ThreeFiles();
        Assert.Equal(100, index.RemoveFilesAfter(400));
        Assert.Equal(-1, index.EndPhysicalOffset);
        Assert.Equal(0, index.FileCount);
    }

    [Fact]
    public void RemoveFilesAfter_minus_one_deletes_everything()
    {
        using var index = ThreeFiles();
        Assert.Equal(-1, index.RemoveFilesAfter(-1));
        Assert.Equal(-1, index.EndPhysicalOffset);
        Assert.Empty(IndexFiles());
        Assert.Empty(Find(index, "t", "k"));
    }

    [Fact]
    public void RemoveFilesAfter_beyond_the_end_deletes_nothing()
    {
        using var index = ThreeFiles();
        Assert.Equal(5000, index.RemoveFilesAfter(5000));
        Assert.Equal(1200, index.EndPhysicalOffset);
        Assert.Equal(3, index.FileCount);
        Assert.Equal(12, Find(index, "t", "k").Count);
    }

    [Fact]
    public void DeleteExpiredFiles_drops_files_below_the_log_start_but_never_the_newest()
    {
        using var index = ThreeFiles();

        Assert.Equal(0, index.DeleteExpiredFiles(400));
        Assert.Equal(1, index.DeleteExpiredFiles(401));
        Assert.Equal(["00000000000000000500", "00000000000000000900"], IndexFiles());

        Assert.Equal(1, index.DeleteExpiredFiles(long.MaxValue));
        Assert.Equal(["00000000000000000900"], IndexFiles());
        Assert.Equal([1200L, 1100L, 1000L, 900L], Find(index, "t", "k"));
        Assert.Equal(1200, index.EndPhysicalOffset);
    }

    [Fact]
    public void A_file_with_a_corrupt_header_is_dropped_on_load()
    {
        using (ThreeFiles()) { }
        var middle = Path.Combine(_directory, "00000000000000000500");
        using (var stream = new FileStream(middle, FileMode.Open)) stream.Write("garbage!"u8);
        File.WriteAllBytes(Path.Combine(_directory, "00000000000000009999"), [1, 2, 3]); // a cut-short roll

        using var index = Open(entries: 4);

        Assert.Equal(2, index.FilesDroppedOnLoad);
        Assert.Equal(["00000000000000000100", "00000000000000000900"], IndexFiles());
        Assert.Equal([1200L, 1100L, 1000L, 900L, 400L, 300L, 200L, 100L], Find(index, "t", "k"));
        Assert.Equal(1200, index.EndPhysicalOffset);
    }

    [Fact]
    public void A_dropped_newest_file_is_replayed_by_RemoveFilesAfter()
    {
        using (ThreeFiles()) { }
        using (var stream = new FileStream(Path.Combine(_directory, "00000000000000000900"), FileMode.Open))
            stream.Write(new byte[64]);

        using var index = Open(entries: 4);

        Assert.Equal(1, index.FilesDroppedOnLoad);
        Assert.Equal(800, index.EndPhysicalOffset);
        Assert.Equal(900, index.RemoveFilesAfter(1000));
    }

    [Fact]
    public void A_slot_published_before_a_crash_cut_the_count_is_walked_back_on_load()
    {
        using (var index = Open(slots: 2, entries: 8))
            for (int i = 1; i <= 5; i++) Put(index, "t", "k" + (i % 2), i * 100, T0 + i);

        // The state a crash leaves between writing entry 5's slot and its count: count 4, end offset of entry 4.
        using (var stream = new FileStream(Path.Combine(_directory, "00000000000000000100"), FileMode.Open))
        {
            stream.Position = 40;
            stream.Write(BitConverter.GetBytes(400L));
            stream.Position = 52;
            stream.Write(BitConverter.GetBytes(4));
        }

        using var reloaded = Open(slots: 2, entries: 8);
        Assert.Equal(400, reloaded.EndPhysicalOffset);
        Assert.Equal([300L, 100L], Find(reloaded, "t", "k1"));

        Put(reloaded, "t", "k1", 500, T0 + 5); // the replay of entry 5 links to the published chain
        Assert.Equal([500L, 300L, 100L], Find(reloaded, "t", "k1"));
        Assert.Equal([400L, 200L], Find(reloaded, "t", "k0"));
    }

    [Fact]
    public void Constructor_rejects_impossible_settings()
    {
        Assert.Throws<ArgumentOutOfRangeException>("maxHashSlots", () => new KeyIndex(_directory, 0, 8));
        Assert.Throws<ArgumentOutOfRangeException>("maxIndexCount", () => new KeyIndex(_directory, 16, -1));
        var tooBig = Assert.Throws<ArgumentOutOfRangeException>("maxIndexCount", () => new KeyIndex(_directory, 50_000_000, 100_000_000));
        Assert.Contains("at most", tooBig.Message);
        Assert.ThrowsAny<ArgumentException>(() => new KeyIndex(" ", 16, 8));
    }

    [Fact]
    public async Task Readers_see_only_complete_entries_while_the_writer_appends()
    {
        using var index = Open(slots: 8, entries: 64);
        const int messages = 2000;
        using var done = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            int checks = 0;
            while (!done.IsCancellationRequested || checks == 0)
            {
                var found = Find(index, "t", "k" + (checks % 3));
                for (int i = 0; i < found.Count; i++)
                {
                    Assert.True(found[i] % 10 == 0 && found[i] > 0 && found[i] <= messages * 10L, $"bad offset {found[i]}");
                    Assert.True(i == 0 || found[i] < found[i - 1], "results are newest first");
                }
                checks++;
            }
        });
        for (int i = 1; i <= messages; i++) Put(index, "t", "k" + (i % 3), i * 10L, T0 + i);
        done.Cancel();
        await reader;
        Assert.Equal(messages / 3, Find(index, "t", "k0").Count);
    }

    [Property(MaxTest = 40)]
    public bool Every_put_key_is_found_after_reload(byte[] keyIds, byte[] gaps)
    {
        string directory = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        var expected = new Dictionary<string, List<long>>();
        long offset = 0;
        using (var index = Open(slots: 5, entries: 7, directory: directory))
        {
            for (int i = 0; i < keyIds.Length; i++)
            {
                offset += 1 + (i < gaps.Length ? gaps[i] : 0);
                string key = "key" + keyIds[i] % 11;
                Put(index, "t", key, offset, T0 + i);
                if (!expected.TryGetValue(key, out var list)) expected[key] = list = [];
                list.Add(offset);
            }
        }
        using var reloaded = Open(slots: 5, entries: 7, directory: directory);
        return expected.All(pair => Find(reloaded, "t", pair.Key).SequenceEqual(Enumerable.Reverse(pair.Value)));
    }
}
