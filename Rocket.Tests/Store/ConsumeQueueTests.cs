using System.Buffers.Binary;
using FsCheck.Xunit;
using Rocket.Store.Queue;
using Xunit;

namespace Rocket.Tests.Store;

public sealed class ConsumeQueueTests : IDisposable
{
    private const string Topic = "orders";
    private const int QueueId = 3;
    private const int FourEntries = ConsumeQueue.EntrySize * 4;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "rocket-cq-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private ConsumeQueue Open(int fileSize = FourEntries, string? root = null)
    {
        var queue = new ConsumeQueue(root ?? _root, Topic, QueueId, fileSize);
        queue.Load();
        return queue;
    }

    private string QueueDirectory => Path.Combine(_root, Topic, QueueId.ToString());

    private string[] FileNames() =>
        Directory.GetFiles(QueueDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>Entry i points at physical i * 100, 100 bytes long, tag i + 1000.</summary>
    private static ConsumeQueueEntry Entry(long queueOffset) => new(queueOffset * 100, 100, queueOffset + 1000);

    private static void PutRange(ConsumeQueue queue, long from, long until)
    {
        for (long i = from; i < until; i++)
        {
            var e = Entry(i);
            Assert.True(queue.Put(i, e.PhysicalOffset, e.Size, e.TagCode));
        }
    }

    private static ConsumeQueueEntry Get(ConsumeQueue queue, long queueOffset)
    {
        Assert.True(queue.TryGet(queueOffset, out var entry), $"no entry at {queueOffset}");
        return entry;
    }

    private static readonly ConsumeQueueEntry Filler = new(-1, 0, 0);

    // ---- put / get / read ----

    [Fact]
    public void Put_then_TryGet_round_trips_across_several_files()
    {
        using var queue = Open();
        PutRange(queue, 0, 10);

        Assert.Equal(0, queue.MinOffset);
        Assert.Equal(10, queue.MaxOffset);
        Assert.Equal(1000, queue.MaxPhysicalEnd);
        for (long i = 0; i < 10; i++) Assert.Equal(Entry(i), Get(queue, i));
        Assert.False(queue.TryGet(10, out _));
        Assert.False(queue.TryGet(-1, out _));
        Assert.Equal(["00000000000000000000", "00000000000000000080", "00000000000000000160"], FileNames());
    }

    [Fact]
    public void Entries_are_20_little_endian_bytes_at_offset_times_20()
    {
        using (var queue = Open()) queue.Put(0, 0x0102030405060708, 0x11223344, -2);
        var bytes = File.ReadAllBytes(Path.Combine(QueueDirectory, "00000000000000000000"));
        Assert.Equal(FourEntries, bytes.Length);
        Assert.Equal(0x0102030405060708, BinaryPrimitives.ReadInt64LittleEndian(bytes));
        Assert.Equal(0x11223344, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(-2, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12)));
        Assert.All(bytes[20..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Read_copies_consecutive_entries_across_files_and_stops_at_MaxOffset()
    {
        using var queue = Open();
        PutRange(queue, 0, 10);

        var buffer = new ConsumeQueueEntry[6];
        Assert.Equal(6, queue.Read(1, buffer));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => Entry(i)), buffer);

        var large = new ConsumeQueueEntry[50];
        Assert.Equal(3, queue.Read(7, large));
        Assert.Equal([Entry(7), Entry(8), Entry(9)], large[..3]);

        Assert.Equal(0, queue.Read(10, large));
        Assert.Equal(0, queue.Read(-1, large));
        Assert.Equal(0, queue.Read(0, Span<ConsumeQueueEntry>.Empty));
    }

    [Fact]
    public void Put_of_an_existing_offset_returns_false_and_changes_nothing()
    {
        using (var queue = Open())
        {
            PutRange(queue, 0, 5);
            Assert.False(queue.Put(2, 999_999, 7, 7));
            Assert.False(queue.Put(0, 999_999, 7, 7));
            Assert.Equal(5, queue.MaxOffset);
            Assert.Equal(500, queue.MaxPhysicalEnd);
            Assert.Equal(Entry(2), Get(queue, 2));
            Assert.True(queue.Put(5, 500, 100, 1005)); // the next offset still appends
        }
        using var reopened = Open();
        Assert.Equal(6, reopened.MaxOffset);
        for (long i = 0; i < 6; i++) Assert.Equal(Entry(i), Get(reopened, i));
    }

    [Fact]
    public void Queue_starting_mid_way_creates_its_first_file_there_with_fillers_before_the_entry()
    {
        using (var queue = Open())
        {
            Assert.True(queue.Put(6, 600, 100, 1006)); // file of offsets [4, 8)
            Assert.Equal(6, queue.MinOffset);
            Assert.Equal(7, queue.MaxOffset);
            Assert.Equal(700, queue.MaxPhysicalEnd);
            Assert.False(queue.TryGet(5, out _)); // below MinOffset
            Assert.False(queue.Put(5, 500, 100, 0)); // below MaxOffset: treated as a replay
            Assert.Equal(["00000000000000000080"], FileNames());
            PutRange(queue, 7, 9);
        }
        var bytes = File.ReadAllBytes(Path.Combine(QueueDirectory, "00000000000000000080"));
        Assert.Equal(-1, BinaryPrimitives.ReadInt64LittleEndian(bytes)); // offsets 4 and 5 are fillers
        Assert.Equal(-1, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(20)));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(28)));

        using var reopened = Open();
        Assert.Equal(6, reopened.MinOffset);
        Assert.Equal(9, reopened.MaxOffset);
        Assert.Equal(900, reopened.MaxPhysicalEnd);
        Assert.Equal(Entry(6), Get(reopened, 6));
        Assert.Equal(Entry(8), Get(reopened, 8));
    }

    [Fact]
    public void Queue_starting_at_a_file_boundary_needs_no_fillers()
    {
        using var queue = Open();
        Assert.True(queue.Put(8, 800, 100, 1008));
        Assert.Equal(["00000000000000000160"], FileNames());
        Assert.Equal(8, queue.MinOffset);
        Assert.Equal(Entry(8), Get(queue, 8));
    }

    [Fact]
    public void Gap_is_filled_with_fillers_that_Read_returns_with_size_zero()
    {
        using (var queue = Open())
        {
            PutRange(queue, 0, 2);
            Assert.True(queue.Put(9, 900, 100, 1009)); // fillers 2..8, across two files
            Assert.Equal(0, queue.MinOffset);
            Assert.Equal(10, queue.MaxOffset);
            Assert.Equal(1000, queue.MaxPhysicalEnd);

            var buffer = new ConsumeQueueEntry[10];
            Assert.Equal(10, queue.Read(0, buffer));
            Assert.Equal(Entry(0), buffer[0]);
            Assert.Equal(Entry(1), buffer[1]);
            for (int i = 2; i < 9; i++) Assert.Equal(Filler, buffer[i]);
            Assert.Equal(Entry(9), buffer[9]);
            Assert.Equal(Filler, Get(queue, 5));
        }
        using var reopened = Open();
        Assert.Equal(0, reopened.MinOffset);
        Assert.Equal(10, reopened.MaxOffset);
        Assert.Equal(1000, reopened.MaxPhysicalEnd);
        Assert.Equal(Filler, Get(reopened, 8));
        Assert.Equal(Entry(9), Get(reopened, 9));
    }

    // ---- load ----

    [Fact]
    public void Load_of_an_empty_directory_gives_an_empty_queue()
    {
        using var queue = Open();
        Assert.Equal(0, queue.MinOffset);
        Assert.Equal(0, queue.MaxOffset);
        Assert.Equal(0, queue.MaxPhysicalEnd);
        Assert.Equal(0, queue.FindOffsetByTime(0, (_, _) => throw new InvalidOperationException("no entries")));
    }

    [Fact]
    public void Load_restores_bounds_and_entries_and_appends_continue_after_them()
    {
        using (var queue = Open()) PutRange(queue, 0, 6);
        using (var queue = Open())
        {
            Assert.Equal(0, queue.MinOffset);
            Assert.Equal(6, queue.MaxOffset);
            Assert.Equal(600, queue.MaxPhysicalEnd);
            Assert.False(queue.Put(5, 1, 1, 1));
            PutRange(queue, 6, 9);
        }
        using var reopened = Open();
        Assert.Equal(9, reopened.MaxOffset);
        for (long i = 0; i < 9; i++) Assert.Equal(Entry(i), Get(reopened, i));
    }

    [Fact]
    public void Load_deletes_an_all_zero_last_file_left_by_a_crash_after_a_roll()
    {
        using (var queue = Open()) PutRange(queue, 0, 4);
        File.WriteAllBytes(Path.Combine(QueueDirectory, "00000000000000000080"), new byte[FourEntries]);

        using var queue2 = Open();
        Assert.Equal(4, queue2.MaxOffset);
        Assert.Equal(["00000000000000000000"], FileNames());
        PutRange(queue2, 4, 5);
        Assert.Equal(Entry(4), Get(queue2, 4));
    }

    [Fact]
    public void Load_rejects_files_of_another_size()
    {
        using (var queue = Open()) PutRange(queue, 0, 5);
        var queue2 = new ConsumeQueue(_root, Topic, QueueId, FourEntries * 2);
        try
        {
            Assert.Throws<Rocket.Store.StoreCorruptException>(queue2.Load);
        }
        finally
        {
            queue2.Dispose();
        }
    }

    // ---- truncate ----

    [Theory]
    [InlineData(1000, 10, 1000)] // nothing beyond the log end
    [InlineData(5000, 10, 1000)]
    [InlineData(999, 9, 900)]   // last entry cut by one byte
    [InlineData(550, 5, 500)]   // mid-file
    [InlineData(400, 4, 400)]   // at a file boundary: the second file becomes empty
    [InlineData(250, 2, 200)]
    [InlineData(99, 0, 0)]      // everything
    [InlineData(0, 0, 0)]
    public void TruncateByPhysicalOffset_drops_entries_beyond_the_log_end_and_survives_reload(
        long commitLogEnd, long expectedMax, long expectedPhysicalEnd)
    {
        using (var queue = Open())
        {
            PutRange(queue, 0, 10);
            queue.TruncateByPhysicalOffset(commitLogEnd);
            AssertTruncatedTo(queue, expectedMax, expectedPhysicalEnd);
        }
        int expectedFiles = (int)((expectedMax + 3) / 4);
        Assert.Equal(expectedFiles, FileNames().Length);
        using (var queue = Open())
        {
            AssertTruncatedTo(queue, expectedMax, expectedPhysicalEnd);
            PutRange(queue, expectedMax, 10); // the replay after recovery appends again
        }
        using var reopened = Open();
        Assert.Equal(10, reopened.MaxOffset);
        for (long i = 0; i < 10; i++) Assert.Equal(Entry(i), Get(reopened, i));
    }

    private static void AssertTruncatedTo(ConsumeQueue queue, long max, long physicalEnd)
    {
        Assert.Equal(0, queue.MinOffset);
        Assert.Equal(max, queue.MaxOffset);
        Assert.Equal(physicalEnd, queue.MaxPhysicalEnd);
        for (long i = 0; i < max; i++) Assert.Equal(Entry(i), Get(queue, i));
        Assert.False(queue.TryGet(max, out _));
    }

    [Fact]
    public void TruncateByPhysicalOffset_drops_fillers_that_only_led_to_dropped_entries()
    {
        using (var queue = Open())
        {
            PutRange(queue, 0, 2);
            queue.Put(6, 600, 100, 1006); // fillers 2..5
            queue.TruncateByPhysicalOffset(300);
            Assert.Equal(2, queue.MaxOffset);
            Assert.Equal(200, queue.MaxPhysicalEnd);
        }
        using var reopened = Open();
        Assert.Equal(2, reopened.MaxOffset);
        Assert.Equal(["00000000000000000000"], FileNames());
    }

    [Fact]
    public void TruncateByPhysicalOffset_of_a_mid_way_queue_to_nothing_empties_it()
    {
        using (var queue = Open())
        {
            queue.Put(5, 500, 100, 1005);
            queue.TruncateByPhysicalOffset(100);
            Assert.Equal(0, queue.MinOffset);
            Assert.Equal(0, queue.MaxOffset);
            Assert.Equal(0, queue.MaxPhysicalEnd);
            Assert.Empty(FileNames());
            Assert.True(queue.Put(5, 500, 100, 1005)); // replay recreates it
            Assert.Equal(5, queue.MinOffset);
        }
        using var reopened = Open();
        Assert.Equal(5, reopened.MinOffset);
        Assert.Equal(6, reopened.MaxOffset);
    }

    // ---- retention ----

    [Fact]
    public void DeleteExpiredFiles_deletes_whole_old_files_and_moves_MinOffset_but_never_deletes_the_last_file()
    {
        using var queue = Open();
        PutRange(queue, 0, 10); // files [0,4) [4,8) [8,10)

        Assert.Equal(0, queue.DeleteExpiredFiles(0));
        Assert.Equal(0, queue.DeleteExpiredFiles(300)); // entry 3 (at 300) ends at 400: the file stays
        Assert.Equal(3, queue.MinOffset);               // but entries 0..2 are gone from the log
        Assert.Equal(0, queue.Read(2, new ConsumeQueueEntry[4]));

        Assert.Equal(1, queue.DeleteExpiredFiles(400));
        Assert.Equal(4, queue.MinOffset);
        Assert.Equal(["00000000000000000080", "00000000000000000160"], FileNames());
        Assert.False(queue.TryGet(3, out _));

        Assert.Equal(0, queue.DeleteExpiredFiles(650)); // entry 7 still ends above it
        Assert.Equal(7, queue.MinOffset);
        Assert.Equal(Entry(7), Get(queue, 7));
        Assert.False(queue.TryGet(6, out _));

        Assert.Equal(1, queue.DeleteExpiredFiles(100_000));
        Assert.Equal(["00000000000000000160"], FileNames()); // the last file stays
        Assert.Equal(10, queue.MinOffset);
        Assert.Equal(10, queue.MaxOffset);
        Assert.Equal(0, queue.Read(8, new ConsumeQueueEntry[4]));
        Assert.Equal(0, queue.DeleteExpiredFiles(100_000));

        PutRange(queue, 10, 11); // the queue goes on
        Assert.Equal(10, queue.MinOffset);
        Assert.Equal(Entry(10), Get(queue, 10));
    }

    [Fact]
    public void DeleteExpiredFiles_deletes_files_that_hold_only_fillers()
    {
        using var queue = Open();
        PutRange(queue, 0, 1);
        queue.Put(9, 900, 100, 1009); // fillers 1..8: file [4,8) holds no message
        Assert.Equal(2, queue.DeleteExpiredFiles(100));
        Assert.Equal(["00000000000000000160"], FileNames());
        Assert.Equal(9, queue.MinOffset);
    }

    [Fact]
    public void Reload_after_retention_finds_MinOffset_in_the_first_remaining_file()
    {
        using (var queue = Open())
        {
            PutRange(queue, 0, 10);
            queue.DeleteExpiredFiles(400);
        }
        using var reopened = Open();
        Assert.Equal(4, reopened.MinOffset);
        Assert.Equal(10, reopened.MaxOffset);
    }

    // ---- find by time ----

    /// <summary>Store timestamps by physical offset (entry i sits at i * 100); -1 marks an unreadable message.</summary>
    private sealed class FakeLog(params long[] timestamps)
    {
        public int Calls { get; private set; }

        public long StoreTimestampOf(long physicalOffset, int size)
        {
            Calls++;
            Assert.Equal(100, size);
            Assert.True(physicalOffset >= 0, "a filler must never be looked up");
            return timestamps[physicalOffset / 100];
        }
    }

    [Theory]
    [InlineData(5, 0)]     // before all: MinOffset
    [InlineData(10, 0)]    // exact first
    [InlineData(11, 1)]
    [InlineData(20, 1)]    // duplicates: the first of them
    [InlineData(21, 4)]
    [InlineData(40, 5)]    // exact last
    [InlineData(41, 6)]    // after all: MaxOffset
    [InlineData(long.MinValue, 0)]
    [InlineData(long.MaxValue, 6)]
    public void FindOffsetByTime_finds_the_first_message_stored_at_or_after(long timestamp, long expected)
    {
        using var queue = Open();
        PutRange(queue, 0, 6);
        var log = new FakeLog(10, 20, 20, 20, 30, 40);
        Assert.Equal(expected, queue.FindOffsetByTime(timestamp, log.StoreTimestampOf));
    }

    [Fact]
    public void FindOffsetByTime_treats_unreadable_messages_as_older()
    {
        using var queue = Open();
        PutRange(queue, 0, 6);
        var log = new FakeLog(-1, -1, -1, 30, 40, 50);
        Assert.Equal(3, queue.FindOffsetByTime(0, log.StoreTimestampOf));
        Assert.Equal(3, queue.FindOffsetByTime(30, log.StoreTimestampOf));
        Assert.Equal(5, queue.FindOffsetByTime(45, log.StoreTimestampOf));
        Assert.Equal(6, queue.FindOffsetByTime(51, log.StoreTimestampOf));
    }

    [Fact]
    public void FindOffsetByTime_skips_fillers_and_searches_only_from_MinOffset()
    {
        using var queue = Open();
        queue.Put(2, 200, 100, 0);        // fillers 0..1 before it
        queue.Put(3, 300, 100, 0);
        queue.Put(9, 900, 100, 0);        // fillers 4..8
        queue.Put(10, 1000, 100, 0);
        var log = new FakeLog(0, 0, 10, 20, 0, 0, 0, 0, 0, 30, 40);
        Assert.Equal(2, queue.FindOffsetByTime(0, log.StoreTimestampOf));
        Assert.Equal(3, queue.FindOffsetByTime(15, log.StoreTimestampOf));
        Assert.Equal(9, queue.FindOffsetByTime(21, log.StoreTimestampOf));
        Assert.Equal(9, queue.FindOffsetByTime(30, log.StoreTimestampOf));
        Assert.Equal(10, queue.FindOffsetByTime(31, log.StoreTimestampOf));
        Assert.Equal(11, queue.FindOffsetByTime(41, log.StoreTimestampOf));
    }

    [Fact]
    public void FindOffsetByTime_makes_a_logarithmic_number_of_timestamp_lookups()
    {
        using var queue = Open(fileSize: ConsumeQueue.EntrySize * 64);
        const int count = 4096;
        PutRange(queue, 0, count);
        var timestamps = Enumerable.Range(0, count).Select(i => (long)i / 3).ToArray();
        var log = new FakeLog(timestamps);
        Assert.Equal(300, queue.FindOffsetByTime(100, log.StoreTimestampOf));
        Assert.InRange(log.Calls, 1, 14);
    }

    // ---- property ----

    /// <summary>
    /// Any sequence of puts (appends, replays of old offsets, gaps, a mid-way start) reads back the same after a
    /// reload as a simple model of it says. Fixed seed, so every run checks the same cases.
    /// </summary>
    [Property(MaxTest = 60, Replay = "(1234567890,987654321)")]
    public void Random_puts_then_reload_read_back_the_same_entries(byte start, int[] steps)
    {
        string root = Path.Combine(_root, Guid.NewGuid().ToString("N"));
        var model = new List<ConsumeQueueEntry>(); // index = queue offset
        long physical = 0;
        using (var queue = Open(root: root))
        {
            long next = start % 13;
            foreach (int step in steps)
            {
                int kind = Math.Abs(step % 10);
                if (kind == 0 && model.Count > 0)
                {
                    long replayed = Math.Abs(step) % model.Count;
                    Assert.False(queue.Put(replayed, 12345, 1, 1));
                    continue;
                }
                if (kind == 1 && model.Count > 0) next += Math.Abs(step / 10) % 7; // a gap
                int size = 1 + Math.Abs(step / 7) % 500;
                Assert.True(queue.Put(next, physical, size, step));
                while (model.Count < next) model.Add(Filler);
                model.Add(new ConsumeQueueEntry(physical, size, step));
                physical += size;
                next++;
            }
        }
        using var reopened = Open(root: root);
        long firstReal = model.FindIndex(e => e.Size > 0);
        Assert.Equal(firstReal < 0 ? 0 : firstReal, reopened.MinOffset);
        Assert.Equal(model.Count, reopened.MaxOffset);
        Assert.Equal(physical, reopened.MaxPhysicalEnd);
        if (firstReal < 0) return;
        var read = new ConsumeQueueEntry[model.Count];
        int copied = reopened.Read(firstReal, read);
        Assert.Equal(model.Count - firstReal, copied);
        Assert.Equal(model.Skip((int)firstReal), read.Take(copied));
    }

    // ---- concurrency ----

    [Fact]
    public async Task Readers_never_see_a_half_written_entry_while_the_writer_appends_and_rolls()
    {
        using var queue = Open(fileSize: ConsumeQueue.EntrySize * 16);
        const int total = 20_000;
        var reader = Task.Run(() =>
        {
            var buffer = new ConsumeQueueEntry[64];
            long checkedUpTo = 0;
            while (checkedUpTo < total)
            {
                int count = queue.Read(checkedUpTo, buffer);
                for (int i = 0; i < count; i++)
                    if (buffer[i] != Entry(checkedUpTo + i))
                        throw new InvalidOperationException($"entry {checkedUpTo + i} was {buffer[i]}");
                checkedUpTo += count;
            }
        });
        PutRange(queue, 0, total);
        await reader.WaitAsync(TimeSpan.FromSeconds(30));
    }

    // ---- arguments ----

    [Fact]
    public void Invalid_arguments_are_rejected_with_the_parameter_named()
    {
        Assert.Equal("fileSize", Assert.Throws<ArgumentOutOfRangeException>(() => new ConsumeQueue(_root, Topic, 0, 30)).ParamName);
        Assert.Equal("fileSize", Assert.Throws<ArgumentOutOfRangeException>(() => new ConsumeQueue(_root, Topic, 0, 0)).ParamName);
        Assert.Equal("queueId", Assert.Throws<ArgumentOutOfRangeException>(() => new ConsumeQueue(_root, Topic, -1, 20)).ParamName);
        Assert.Equal("topic", Assert.Throws<ArgumentException>(() => new ConsumeQueue(_root, "../escape", 0, 20)).ParamName);
        Assert.Equal("fileSize", Assert.Throws<ArgumentOutOfRangeException>(() => new ConsumeQueueStore(_root, 21)).ParamName);

        using var queue = Open();
        Assert.Equal("queueOffset", Assert.Throws<ArgumentOutOfRangeException>(() => queue.Put(-1, 0, 1, 0)).ParamName);
        Assert.Equal("physicalOffset", Assert.Throws<ArgumentOutOfRangeException>(() => queue.Put(0, -1, 1, 0)).ParamName);
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => queue.Put(0, 0, 0, 0)).ParamName);
        Assert.Equal("commitLogEnd", Assert.Throws<ArgumentOutOfRangeException>(() => queue.TruncateByPhysicalOffset(-1)).ParamName);
        Assert.Throws<ArgumentNullException>(() => queue.FindOffsetByTime(0, null!));
        Assert.Equal(0, queue.MaxOffset);
    }

    [Fact]
    public void Flush_and_double_Dispose_are_harmless()
    {
        var queue = Open();
        PutRange(queue, 0, 6);
        queue.Flush();
        queue.Flush();
        queue.Dispose();
        queue.Dispose();
        Assert.Throws<ObjectDisposedException>(() => queue.Put(6, 600, 100, 0));
        Assert.Equal(0, queue.Read(0, new ConsumeQueueEntry[4]));
    }

    // ---- store ----

    [Fact]
    public void Store_Load_discovers_queue_directories_and_ignores_foreign_ones()
    {
        using (var store = new ConsumeQueueStore(_root, FourEntries))
        {
            store.Load();
            PutRange(store.GetOrCreate("orders", 0), 0, 6);
            PutRange(store.GetOrCreate("orders", 1), 0, 2);
            store.GetOrCreate("payments", 7).Put(3, 5000, 100, 0);
            store.Flush();
        }
        Directory.CreateDirectory(Path.Combine(_root, "bad topic!", "0"));
        Directory.CreateDirectory(Path.Combine(_root, "orders", "x"));
        Directory.CreateDirectory(Path.Combine(_root, "orders", "07"));
        Directory.CreateDirectory(Path.Combine(_root, "orders", "-1"));
        File.WriteAllText(Path.Combine(_root, "README"), "not a queue");

        using var reopened = new ConsumeQueueStore(_root, FourEntries);
        reopened.Load();
        Assert.Equal(
            ["orders/0", "orders/1", "payments/7"],
            reopened.All.Select(q => $"{q.Topic}/{q.QueueId}").Order(StringComparer.Ordinal));
        var orders0 = reopened.Find("orders", 0);
        Assert.NotNull(orders0);
        Assert.Equal(6, orders0.MaxOffset);
        Assert.Equal(Entry(5), Get(orders0, 5));
        Assert.Equal(3, reopened.Find("payments", 7)!.MinOffset);
        Assert.Null(reopened.Find("orders", 2));
        Assert.Null(reopened.Find("nobody", 0));
        Assert.Equal(5100, reopened.MaxPhysicalEnd);
        Assert.Same(orders0, reopened.GetOrCreate("orders", 0));
    }

    [Fact]
    public void Store_GetOrCreate_creates_once_and_All_is_a_snapshot()
    {
        using var store = new ConsumeQueueStore(_root, FourEntries);
        store.Load();
        Assert.Empty(store.All);
        Assert.Equal(0, store.MaxPhysicalEnd);
        Assert.Null(store.Find("orders", 0));

        var created = store.GetOrCreate("orders", 0);
        Assert.Same(created, store.GetOrCreate("orders", 0));
        Assert.Same(created, store.Find("orders", 0));
        var snapshot = store.All;
        store.GetOrCreate("orders", 1);
        Assert.Single(snapshot);
        Assert.Equal(2, store.All.Count);
        Assert.Throws<ArgumentException>(() => store.GetOrCreate("no/slash", 0));
    }

    [Fact]
    public void Store_truncates_and_expires_every_queue()
    {
        using var store = new ConsumeQueueStore(_root, FourEntries);
        store.Load();
        var a = store.GetOrCreate("a", 0);
        var b = store.GetOrCreate("b", 0);
        PutRange(a, 0, 10);
        PutRange(b, 0, 9);
        Assert.Equal(1000, store.MaxPhysicalEnd);

        Assert.Equal(4, store.DeleteExpiredFiles(800)); // two old files in each
        Assert.Equal(8, a.MinOffset);
        Assert.Equal(8, b.MinOffset);

        store.TruncateByPhysicalOffset(900);
        Assert.Equal(9, a.MaxOffset);
        Assert.Equal(9, b.MaxOffset);
        Assert.Equal(900, store.MaxPhysicalEnd);
    }

    [Theory]
    [InlineData(6)]  // mid-file: one marker, the slots below it never written
    [InlineData(8)]  // at a file's end
    [InlineData(1)]
    public void A_replica_queue_started_at_an_offset_keeps_it_through_a_reload_and_a_recovery_cut_and_continues_there(long next)
    {
        using (var queue = Open())
        {
            queue.StartAt(next);
            Assert.Equal((next, next, 0L), (queue.MinOffset, queue.MaxOffset, queue.MaxPhysicalEnd));
            Assert.Equal((next, next), queue.TruncateByPhysicalOffset(0)); // recovery with nothing of it in the log: kept
            queue.Flush();
        }
        using (var reloaded = Open())
        {
            Assert.Equal((next, next), (reloaded.MinOffset, reloaded.MaxOffset));
            Assert.Equal(next, reloaded.NextOffsetAt(0));
            var e = Entry(next);
            Assert.True(reloaded.Put(next, e.PhysicalOffset, e.Size, e.TagCode));
            Assert.Equal((next, next + 1), (reloaded.MinOffset, reloaded.MaxOffset));
            Assert.Equal(e, Get(reloaded, next));
            Assert.Equal(next, reloaded.TruncateAtLogOffset(e.PhysicalOffset)); // a replica cut drops it, back to the start
        }
        Assert.Throws<InvalidOperationException>(() =>
        {
            using var started = Open();
            started.StartAt(next + 3);
        });
    }

    [Fact]
    public void The_next_offset_at_a_log_offset_is_the_first_entry_at_or_past_it_across_fillers()
    {
        using var queue = Open();
        PutRange(queue, 0, 3);           // physical 0, 100, 200
        var later = Entry(9);            // a gap of fillers 3..8
        Assert.True(queue.Put(9, later.PhysicalOffset, later.Size, later.TagCode));
        Assert.Equal(0, queue.NextOffsetAt(0));
        Assert.Equal(1, queue.NextOffsetAt(1));
        Assert.Equal(2, queue.NextOffsetAt(200));
        Assert.Equal(9, queue.NextOffsetAt(201));
        Assert.Equal(9, queue.NextOffsetAt(900));
        Assert.Equal(10, queue.NextOffsetAt(901));
    }
}
