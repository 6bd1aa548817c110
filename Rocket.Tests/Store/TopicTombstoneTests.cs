using System.Text;
using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

/// <summary>A topic tombstone in the commit log deletes the topic's consume queues, now and in every replay.</summary>
public class TopicTombstoneTests : IDisposable
{
    private readonly TempDirectory _dir = new("tombstone");

    public void Dispose() => _dir.Dispose();

    private static string[] Bodies(MessageStore store, string topic, int queueId) =>
        store.GetMessages(topic, queueId, 0, 1000, maxBytes: int.MaxValue).Messages.Select(m => Encoding.UTF8.GetString(m.Body)).ToArray();

    private static void Fill(MessageStore store, string topic, string prefix, int count)
    {
        for (int i = 0; i < count; i++) store.AppendAll(Message(topic, queueId: i % 2, body: $"{prefix}{i}"));
    }

    [Fact]
    public void A_tombstone_deletes_the_topics_queues_and_files_and_its_next_messages_start_at_offset_0()
    {
        var settings = SmallStore(_dir.Path);
        using var store = MessageStore.Open(settings);
        Fill(store, "Doomed", "old", 10);
        Fill(store, "Kept", "k", 4);
        store.Project(store.ProjectionLimit);
        Assert.True(Directory.Exists(Path.Combine(settings.ConsumeQueueDirectory, "Doomed")));

        var tombstone = store.AppendAll(TopicTombstone.For("Doomed")).Single();
        Assert.True(tombstone.IsOk);
        store.Project(store.ProjectionLimit);

        Assert.Null(store.ConsumeQueues.Find("Doomed", 0));
        Assert.Null(store.ConsumeQueues.Find("Doomed", 1));
        Assert.False(Directory.Exists(Path.Combine(settings.ConsumeQueueDirectory, "Doomed")));
        Assert.Equal(GetMessageStatus.NoMatchedLogicQueue, store.GetMessages("Doomed", 0, 0, 32).Status);
        Assert.Equal(["k0", "k2"], Bodies(store, "Kept", 0)); // other topics are untouched

        var reborn = store.AppendAll(Message("Doomed", queueId: 1, body: "new0"), Message("Doomed", queueId: 1, body: "new1"));
        Assert.Equal([0L, 1L], reborn.Select(r => r.QueueOffset));
        Assert.Equal(2, store.AppendAll(Message("Kept", queueId: 0, body: "k4")).Single().QueueOffset);
        store.Project(store.ProjectionLimit);
        Assert.Equal(["new0", "new1"], Bodies(store, "Doomed", 1));
        Assert.Empty(Bodies(store, "Doomed", 0));
    }

    [Fact]
    public void A_tombstone_takes_no_queue_offset_and_is_never_pulled()
    {
        using var store = MessageStore.Open(SmallStore(_dir.Path));
        store.AppendAll(TopicTombstone.For("Never"));
        store.Project(store.ProjectionLimit);
        Assert.Null(store.ConsumeQueues.Find("Never", 0));
        Assert.Equal(0, store.AppendAll(Message("Never", body: "first")).Single().QueueOffset);
    }

    [Fact]
    public void Crash_recovery_from_a_checkpoint_before_the_tombstone_does_not_rebuild_the_deleted_messages()
    {
        var settings = SmallStore(_dir.Path);
        using (var store = MessageStore.Open(settings))
        {
            Fill(store, "Doomed", "old", 20);
            store.Project(store.ProjectionLimit);
            store.FlushLog(long.MaxValue);
            store.FlushProjections(); // the checkpoint: recovery replays everything after this
            Fill(store, "Doomed", "older", 6);
            store.AppendAll(TopicTombstone.For("Doomed"));
            store.Project(store.ProjectionLimit);
            Assert.Null(store.ConsumeQueues.Find("Doomed", 0));
            store.Dispose(); // killed: no clean shutdown, the checkpoint stays before the tombstone
        }
        using (var reopened = MessageStore.Open(settings))
        {
            Assert.True(reopened.Recovery.Abnormal);
            Assert.False(Directory.Exists(Path.Combine(settings.ConsumeQueueDirectory, "Doomed")), "the replay left queue files");
            Assert.Null(reopened.ConsumeQueues.Find("Doomed", 0));
            Assert.Null(reopened.ConsumeQueues.Find("Doomed", 1));
            Assert.Equal(0, reopened.AppendAll(Message("Doomed", queueId: 0, body: "new0")).Single().QueueOffset);
            reopened.AppendAll(Message("Doomed", queueId: 1, body: "new1"));
            reopened.Project(reopened.ProjectionLimit);
            reopened.Dispose(); // killed again, after the topic's new life began
        }
        using var third = MessageStore.Open(settings);
        Assert.Equal(["new0"], Bodies(third, "Doomed", 0));
        Assert.Equal(["new1"], Bodies(third, "Doomed", 1));
        Assert.Equal(0, third.GetMinOffset("Doomed", 0));
        Assert.Equal(1, third.GetMaxOffset("Doomed", 0));
        Assert.Equal(1, third.AppendAll(Message("Doomed", queueId: 0, body: "new2")).Single().QueueOffset);
    }

    [Fact]
    public void Recovery_replaying_old_messages_over_the_new_lifes_queue_files_ends_with_the_new_life_only()
    {
        // The new life's queue files were flushed, but the checkpoint stayed before the tombstone: the replay meets
        // old messages (with high queue offsets), then the tombstone, then the new messages again.
        var settings = SmallStore(_dir.Path);
        using (var store = MessageStore.Open(settings))
        {
            Fill(store, "Doomed", "old", 40);
            store.Project(store.ProjectionLimit);
            store.FlushLog(long.MaxValue);
            store.FlushProjections();
            Fill(store, "Doomed", "older", 40);
            store.AppendAll(TopicTombstone.For("Doomed"));
            Fill(store, "Doomed", "new", 4);
            store.Project(store.ProjectionLimit);
            store.ConsumeQueues.Flush(); // queue files on disk, checkpoint not moved
            store.Dispose();
        }
        using var reopened = MessageStore.Open(settings);
        Assert.Equal(["new0", "new2"], Bodies(reopened, "Doomed", 0));
        Assert.Equal(["new1", "new3"], Bodies(reopened, "Doomed", 1));
        Assert.Equal(2, reopened.GetMaxOffset("Doomed", 0));
    }
}
