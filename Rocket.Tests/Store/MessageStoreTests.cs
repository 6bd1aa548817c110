using System.Text;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Store.Log;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

public class MessageStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new("store");

    public void Dispose() => _dir.Dispose();

    private MessageStore Open(StoreSettings? settings = null, TimeProvider? time = null) =>
        MessageStore.Open(settings ?? SmallStore(_dir.Path), time: time);

    [Fact]
    public void Appended_messages_read_back_per_queue_in_order()
    {
        using var store = Open();
        var results = store.AppendAll(
            Message(queueId: 0, body: "a0"), Message(queueId: 1, body: "b0"), Message(queueId: 0, body: "a1"));
        Assert.Equal([0L, 0L, 1L], results.Select(r => r.QueueOffset));
        Assert.True(results[0].PhysicalOffset < results[1].PhysicalOffset && results[1].PhysicalOffset < results[2].PhysicalOffset);
        store.Project(store.ProjectionLimit);

        var q0 = store.GetMessages("TopicA", 0, 0, 32);
        Assert.Equal(GetMessageStatus.Found, q0.Status);
        Assert.Equal(["a0", "a1"], q0.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
        Assert.Equal(2, q0.NextBeginOffset);
        Assert.Equal(GetMessageStatus.OffsetOverflowOne, store.GetMessages("TopicA", 0, 2, 32).Status);
        Assert.Equal(GetMessageStatus.OffsetOverflowBadly, store.GetMessages("TopicA", 0, 7, 32).Status);
        Assert.Equal(GetMessageStatus.NoMatchedLogicQueue, store.GetMessages("Other", 0, 0, 32).Status);
        Assert.Equal("b0", Encoding.UTF8.GetString(store.ReadMessage(results[1].PhysicalOffset)!.Body));
    }

    [Fact]
    public void Segments_roll_with_a_blank_marker_and_no_message_spans_two_segments()
    {
        const int segment = 4096 * 4;
        using var store = Open(SmallStore(_dir.Path, segment) with { MaxMessageSize = 1024 });
        var bodies = Enumerable.Range(0, 200).Select(i => new string((char)('a' + i % 26), 100 + i % 300)).ToArray();
        var results = bodies.SelectMany(b => store.AppendAll(Message(body: b))).ToArray();
        foreach (var r in results)
            Assert.Equal(r.PhysicalOffset / segment, (r.PhysicalOffset + r.Size - 1) / segment);

        var files = Directory.GetFiles(store.Settings.CommitLogDirectory).Select(Path.GetFileName).Order().ToArray();
        Assert.True(files.Length > 3);
        Assert.Equal(Enumerable.Range(0, files.Length).Select(i => ((long)i * segment).ToString("D20")), files);

        store.Project(store.ProjectionLimit);
        var read = store.GetMessages("TopicA", 0, 0, 1000, maxBytes: int.MaxValue).Messages;
        Assert.Equal(bodies, read.Select(m => Encoding.UTF8.GetString(m.Body)));
    }

    [Fact]
    public void A_rejected_message_writes_nothing_and_the_rest_of_the_batch_is_stored()
    {
        using var store = Open(SmallStore(_dir.Path) with { MaxMessageSize = 100 });
        var batch = new[] { Message(body: "ok1"), Message(topic: "bad topic"), Message(body: new string('x', 101)), Message(body: "ok2") };
        var results = new AppendResult[batch.Length];
        store.Append(batch, results);
        Assert.Equal([AppendStatus.Ok, AppendStatus.MessageIllegal, AppendStatus.MessageIllegal, AppendStatus.Ok], results.Select(r => r.Status));
        Assert.Contains("bad topic", results[1].Error);
        Assert.Contains("max-message-size is 100", results[2].Error);
        Assert.Equal(results[0].PhysicalOffset + results[0].Size, results[3].PhysicalOffset);
        Assert.Equal(1, results[3].QueueOffset);
    }

    [Fact]
    public void Tag_filter_skips_messages_by_tag_hash()
    {
        using var store = Open();
        store.AppendAll(Message(tags: "A", body: "1"), Message(tags: "B", body: "2"), Message(tags: "A", body: "3"));
        store.Project(store.ProjectionLimit);
        long tagA = TagHash.Of("A");
        var result = store.GetMessages("TopicA", 0, 0, 32, tagFilter: code => code == tagA);
        Assert.Equal(["1", "3"], result.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
        Assert.Equal(3, result.NextBeginOffset);
    }

    [Fact]
    public void Messages_are_found_by_key_and_by_unique_key_within_a_time_range()
    {
        var time = new ManualTime(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        using var store = Open(time: time);
        store.AppendAll(Message(keys: "order-1 order-2", uniqueKey: "U1", body: "first"));
        time.Advance(TimeSpan.FromMinutes(1));
        store.AppendAll(Message(keys: "order-2", uniqueKey: "U2", body: "second"), Message(topic: "TopicB", keys: "order-2", body: "other"));
        store.Project(store.ProjectionLimit);

        long t0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z").ToUnixTimeMilliseconds();
        Assert.Equal(["first"], Bodies(store.QueryMessagesByKey("TopicA", "order-1", 32, 0, long.MaxValue)));
        Assert.Equal(["first", "second"], Bodies(store.QueryMessagesByKey("TopicA", "order-2", 32, 0, long.MaxValue)).Order());
        Assert.Equal(["second"], Bodies(store.QueryMessagesByKey("TopicA", "order-2", 32, t0 + 30_000, long.MaxValue)));
        Assert.Equal(["second"], Bodies(store.QueryMessagesByKey("TopicA", "U2", 32, 0, long.MaxValue)));
        Assert.Equal(["other"], Bodies(store.QueryMessagesByKey("TopicB", "order-2", 32, 0, long.MaxValue)));
        Assert.Empty(store.QueryMessagesByKey("TopicA", "order-3", 32, 0, long.MaxValue));
    }

    [Fact]
    public void Rewind_by_timestamp_finds_the_first_message_stored_at_or_after_it()
    {
        var start = DateTimeOffset.Parse("2026-01-01T00:00:00Z");
        var time = new ManualTime(start);
        using var store = Open(time: time);
        for (int i = 0; i < 10; i++)
        {
            store.AppendAll(Message(body: $"m{i}"));
            time.Advance(TimeSpan.FromSeconds(10));
        }
        store.Project(store.ProjectionLimit);
        long ms(int seconds) => (start + TimeSpan.FromSeconds(seconds)).ToUnixTimeMilliseconds();
        Assert.Equal(0, store.SearchOffsetByTime("TopicA", 0, ms(-100)));
        Assert.Equal(3, store.SearchOffsetByTime("TopicA", 0, ms(30)));
        Assert.Equal(4, store.SearchOffsetByTime("TopicA", 0, ms(31)));
        Assert.Equal(10, store.SearchOffsetByTime("TopicA", 0, ms(1000)));
    }

    [Fact]
    public void A_second_open_of_the_same_store_fails_clearly()
    {
        using var store = Open();
        var e = Assert.Throws<StoreLockedException>(() => Open());
        Assert.Contains(_dir.Path, e.Message);
    }

    private static IEnumerable<string> Bodies(IEnumerable<StoredMessage> messages) =>
        messages.Select(m => Encoding.UTF8.GetString(m.Body));
}
