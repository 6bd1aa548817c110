using Rocket.Store;
using Rocket.Store.Log;
using Rocket.Store.Queue;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Store.Replication;

/// <summary>Helpers of the replication tests: copying between two stores the way replication does, and comparing them.</summary>
internal static class ReplicaStores
{
    /// <summary>One appended message, as the master's journal placed it.</summary>
    public sealed record Written(string Topic, int QueueId, long QueueOffset, long Offset, int Size, string Key);

    public static StoreSettings ReplicaSettings(string directory, int segmentSize = 8 * 1024, FlushDiskType flush = FlushDiskType.AsyncFlush) =>
        TestMessages.SmallStore(directory, segmentSize, flush);

    /// <summary>Copies the master's log into the slave from the slave's end, reads bounded by <paramref name="chunk"/> bytes each.</summary>
    public static void Replicate(MessageStore master, MessageStore slave, Func<int> chunk)
    {
        var buffer = new byte[master.ReplicaReadBufferMinimum];
        while (slave.MaxOffset < master.MaxOffset)
        {
            long from = slave.MaxOffset;
            int n = master.ReadWholeRecords(from, from + chunk(), buffer);
            if (n == 0) n = master.ReadWholeRecords(from, master.MaxOffset, buffer); // the next record is bigger than the chunk
            Assert.True(n > 0, $"nothing read at {from} of {master.MaxOffset}");
            var error = slave.AppendReplica(from, buffer.AsSpan(0, n));
            Assert.Null(error);
            Assert.Equal(from + n, slave.MaxOffset);
        }
        slave.Project(slave.ProjectionLimit);
    }

    /// <summary>The slave's commit-log segments hold exactly the master's bytes, up to the master's end.</summary>
    public static void AssertSameLog(MessageStore master, MessageStore slave)
    {
        Assert.Equal(master.MinOffset, slave.MinOffset);
        Assert.Equal(master.MaxOffset, slave.MaxOffset);
        var mine = master.CommitLog.Segments.Segments;
        var theirs = slave.CommitLog.Segments.Segments;
        Assert.Equal(mine.Select(s => s.StartOffset), theirs.Select(s => s.StartOffset));
        for (int i = 0; i < mine.Count; i++)
        {
            var a = mine[i].ReadOnlySpan(0, mine[i].Size);
            var b = theirs[i].ReadOnlySpan(0, theirs[i].Size);
            if (!a.SequenceEqual(b))
            {
                int at = 0;
                while (a[at] == b[at]) at++;
                Assert.Fail($"segment {mine[i].StartOffset} differs first at byte {at} (log offset {mine[i].StartOffset + at})");
            }
        }
    }

    /// <summary>Every consume queue, its bounds, entries and next queue offset, and the key index agree.</summary>
    public static void AssertSameProjections(MessageStore master, MessageStore slave, IEnumerable<Written> written)
    {
        // Queues a truncation emptied stay as empty queues (no files); they hold nothing to compare.
        var queues = master.ConsumeQueues.All.Where(q => q.MaxOffset > 0).OrderBy(q => q.Topic).ThenBy(q => q.QueueId).ToList();
        Assert.Equal(queues.Select(q => (q.Topic, q.QueueId)),
            slave.ConsumeQueues.All.Where(q => q.MaxOffset > 0).OrderBy(q => q.Topic).ThenBy(q => q.QueueId).Select(q => (q.Topic, q.QueueId)));
        foreach (var queue in queues)
        {
            var other = slave.ConsumeQueues.Find(queue.Topic, queue.QueueId)!;
            Assert.True(queue.MaxOffset == other.MaxOffset, $"{queue}: slave {other}");
            Assert.True(queue.MinOffset == other.MinOffset, $"{queue}: slave {other}");
            Assert.Equal(Entries(queue), Entries(other));
            Assert.Equal(master.NextQueueOffset(queue.Topic, queue.QueueId), slave.NextQueueOffset(queue.Topic, queue.QueueId));
        }
        foreach (var w in written.Where(w => w.Offset + w.Size <= master.MaxOffset).GroupBy(w => (w.Topic, w.Key)).Select(g => g.First()).Take(40))
            Assert.Equal(master.KeyIndex.Query(w.Topic, w.Key, 64, 0, long.MaxValue).Order(),
                slave.KeyIndex.Query(w.Topic, w.Key, 64, 0, long.MaxValue).Order());
    }

    private static ConsumeQueueEntry[] Entries(ConsumeQueue queue)
    {
        var entries = new ConsumeQueueEntry[queue.MaxOffset - queue.MinOffset];
        int read = queue.Read(queue.MinOffset, entries);
        Assert.Equal(entries.Length, read);
        return entries;
    }

    /// <summary>Appends <paramref name="messages"/> in batches of the given sizes; returns where each landed.</summary>
    public static List<Written> AppendBatches(MessageStore store, IReadOnlyList<(string Topic, int QueueId, int BodySize)> messages, Func<int> batchSize)
    {
        var written = new List<Written>();
        for (int i = 0; i < messages.Count;)
        {
            int n = Math.Min(messages.Count - i, Math.Max(1, batchSize()));
            var batch = new Rocket.Store.Format.MessageToStore[n];
            for (int j = 0; j < n; j++)
            {
                var (topic, queueId, bodySize) = messages[i + j];
                batch[j] = TestMessages.Message(topic, queueId, body: new string((char)('a' + (i + j) % 26), bodySize), keys: $"k{(i + j) % 17}");
            }
            var results = store.AppendAll(batch);
            for (int j = 0; j < n; j++)
                written.Add(new Written(batch[j].Topic, batch[j].QueueId, results[j].QueueOffset, results[j].PhysicalOffset, results[j].Size, $"k{(i + j) % 17}"));
            i += n;
        }
        store.Project(store.ProjectionLimit);
        return written;
    }

    /// <summary>Where each queue's next message goes in a log cut at <paramref name="offset"/>, given what was written.</summary>
    public static Dictionary<(string, int), long> NextOffsetsAt(IEnumerable<Written> written, long offset) =>
        written.Where(w => w.Offset < offset).GroupBy(w => (w.Topic, w.QueueId)).ToDictionary(g => g.Key, g => g.Max(w => w.QueueOffset) + 1);
}
