using System.Text;
using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Store.Health;
using Rocket.Store.Log;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

/// <summary>
/// The commit log's writer gathers each append's records and writes them through the file (pwrite), not through the
/// mapping: it maps no page, readers of the mapping see every byte, and a write that fails refuses its messages and
/// gives their queue offsets back without touching what was written before it.
/// </summary>
public class CommitLogWriteTests : IDisposable
{
    private readonly TempDirectory _dir = new("commitlog-write");

    public void Dispose() => _dir.Dispose();

    private static string Body(int i, int length) => $"{i}:" + new string((char)('a' + i % 26), length);

    private static void AssertReadsBack(MessageStore store, AppendResult[] results, IReadOnlyList<string> bodies)
    {
        for (int i = 0; i < bodies.Count; i++)
        {
            var read = store.ReadMessage(results[i].PhysicalOffset, results[i].Size);
            Assert.NotNull(read);
            Assert.Equal(bodies[i], Encoding.UTF8.GetString(read.Body));
        }
    }

    [Fact]
    public void Appends_map_no_page_of_the_log_and_the_file_holds_what_the_mapping_reads()
    {
        using var store = MessageStore.Open(SmallStore(_dir.Path, segmentSize: 4 << 20));
        var bodies = Enumerable.Range(0, 1000).Select(i => Body(i, 1000)).ToList();
        var results = bodies.Chunk(100).SelectMany(chunk => store.AppendAll(chunk.Select(b => Message(body: b)).ToArray())).ToArray();
        string file = store.CommitLog.Segments.Last!.FilePath;

        Assert.Equal(0, MappedResidency.BytesOf(file)); // stored through the mapping, each page would be resident
        AssertReadsBack(store, results, bodies);
        Assert.True(MappedResidency.BytesOf(file) > 0, "reading maps the pages");

        long end = store.CommitLog.MaxOffset;
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var onDisk = new byte[end];
        stream.ReadExactly(onDisk);
        Assert.True(store.CommitLog.Segments.Last!.ReadOnlySpan(0, (int)end).SequenceEqual(onDisk));
    }

    [Fact]
    public void A_batch_larger_than_the_stage_and_a_record_larger_than_the_stage_are_written_whole_and_in_order()
    {
        using var store = MessageStore.Open(SmallStore(_dir.Path, segmentSize: 16 << 20));
        var bodies = Enumerable.Range(0, 41).Select(i => Body(i, i == 20 ? 1_500_000 : 64 << 10)).ToList(); // 4 MiB in all
        var results = store.AppendAll(bodies.Select(b => Message(body: b)).ToArray());

        for (int i = 1; i < results.Length; i++)
        {
            Assert.Equal(results[i - 1].PhysicalOffset + results[i - 1].Size, results[i].PhysicalOffset);
            Assert.Equal(i, results[i].QueueOffset);
        }
        Assert.Equal(results[^1].PhysicalOffset + results[^1].Size, store.CommitLog.MaxOffset);
        AssertReadsBack(store, results, bodies);
    }

    [Fact]
    public void A_batch_that_rolls_to_the_next_segment_ends_the_first_with_a_blank_marker_and_survives_a_restart()
    {
        var settings = SmallStore(_dir.Path); // 64 KiB segments
        var bodies = Enumerable.Range(0, 40).Select(i => Body(i, 4000)).ToList(); // 160 KiB: three segments
        AppendResult[] results;
        using (var store = MessageStore.Open(settings))
        {
            results = store.AppendAll(bodies.Select(b => Message(body: b)).ToArray());
            Assert.True(store.CommitLog.Segments.Segments.Count >= 3, $"{store.CommitLog.Segments.Segments.Count} segments");
            Assert.All(store.CommitLog.Segments.Segments.Take(store.CommitLog.Segments.Segments.Count - 1), s => Assert.True(s.IsFull));
            AssertReadsBack(store, results, bodies);
        }
        using var reopened = MessageStore.Open(settings);
        AssertReadsBack(reopened, results, bodies);
        Assert.Equal(bodies, reopened.GetMessages("TopicA", 0, 0, 100, int.MaxValue).Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
    }

    [Fact]
    public void A_write_that_fails_refuses_its_messages_naming_the_file_and_gives_their_queue_offsets_back()
    {
        using var store = MessageStore.Open(SmallStore(_dir.Path, segmentSize: 4 << 20));
        var before = store.AppendAll(Message(body: "one"), Message(body: "two"));
        long end = store.CommitLog.MaxOffset;
        var segment = store.CommitLog.Segments.Last!;
        segment.FailWritesForTest(new IOException("Input/output error"));

        var batch = new[] { Message(body: "three"), Message(topic: "TopicB", body: "four"), Message(body: "") };
        var results = new AppendResult[batch.Length];
        store.Append(batch, results);

        Assert.All(results[..2], r =>
        {
            Assert.Equal(AppendStatus.ServiceNotAvailable, r.Status);
            Assert.Contains(segment.FilePath, r.Error);
            Assert.Contains("Input/output error", r.Error);
            Assert.Contains("not accepting messages", r.Error);
        });
        Assert.Equal(AppendStatus.MessageIllegal, results[2].Status); // refused for its own reason, before any write
        Assert.Equal(2, store.NextQueueOffset("TopicA", 0));
        Assert.Equal(0, store.NextQueueOffset("TopicB", 0));
        Assert.Equal(end, store.CommitLog.MaxOffset);
        Assert.StartsWith("journal:", store.Health.ProblemOf(StoreComponent.Journal));
        AssertReadsBack(store, before, ["one", "two"]);
    }

    [Fact]
    public void Queue_offsets_taken_or_forgotten_since_the_last_kept_change_are_given_back_newest_first()
    {
        var table = new QueueOffsetTable();
        table.Set("C", 0, 7);
        table.Set("C", 1, 3);
        table.TrackChanges();
        Assert.Equal(0, table.TakeNext("A", 0));
        table.KeepChanges(); // A's first record is in the log

        Assert.Equal(1, table.TakeNext("A", 0));
        Assert.Equal(0, table.TakeNext("B", 2));
        table.Remove("C"); // a tombstone
        Assert.Equal(0, table.TakeNext("C", 0));
        table.UndoChanges();

        Assert.Equal(1, table.Peek("A", 0));
        Assert.Equal(0, table.Peek("B", 2));
        Assert.Equal(3, table.Count); // B's queue was new: it is gone again
        Assert.Equal(7, table.Peek("C", 0));
        Assert.Equal(3, table.Peek("C", 1));

        table.StopTracking();
        table.TakeNext("A", 0);
        table.UndoChanges(); // nothing tracked: nothing to give back
        Assert.Equal(2, table.Peek("A", 0));
    }
}
