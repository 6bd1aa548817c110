using System.Text;
using Microsoft.Extensions.Logging;
using Rocket.Protocol;
using Rocket.Store.Format;
using Rocket.Store.Queue;

namespace Rocket.Store;

/// <summary>A queue that received new entries in one projection pass: wakes the long polls held on it.</summary>
public readonly record struct QueueArrival(string Topic, int QueueId, long MaxOffset);

public sealed partial class MessageStore
{
    private static ReadOnlySpan<byte> TagsKey => "TAGS"u8;
    private static ReadOnlySpan<byte> KeysKey => "KEYS"u8;
    private static ReadOnlySpan<byte> UniqueKeyKey => "UNIQ_KEY"u8;

    private readonly TopicNameCache _topicNames = new();
    private readonly Dictionary<ConsumeQueue, long> _arrivals = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Builds consume-queue entries and key-index entries for the log between <see cref="ProjectedOffset"/> and
    /// <paramref name="limit"/> (projector only). Idempotent: replaying a range already projected adds nothing.
    /// Returns the queues that received entries. <paramref name="countAppended"/>: the messages count in the append rate
    /// (not when recovery re-projects what an earlier run appended).
    /// </summary>
    public IReadOnlyList<QueueArrival> Project(long limit, bool countAppended = true)
    {
        long from = ProjectedOffset;
        if (limit <= from) return [];
        _projectedThrough = from;
        _projectedMessages = 0;
        long end;
        try
        {
            end = CommitLog.Scan(from, limit, verifyCrc: false, ProjectRecord, out _);
        }
        catch
        {
            if (countAppended) Stats.Appended.Add(_projectedMessages);
            // Keep what was built (e.g. the file for the next entry could not be created): a retry resumes at the
            // record that failed, and replaying it is harmless (entries already there are skipped, as in recovery).
            Volatile.Write(ref _projectedOffset, _projectedThrough);
            throw;
        }
        Volatile.Write(ref _projectedOffset, end);
        if (countAppended) Stats.Appended.Add(_projectedMessages); // once per pass, not per message
        if (_arrivals.Count == 0) return [];
        var arrivals = new QueueArrival[_arrivals.Count];
        int i = 0;
        foreach (var (queue, max) in _arrivals) arrivals[i++] = new QueueArrival(queue.Topic, queue.QueueId, max);
        _arrivals.Clear(); // only here: a failed pass keeps its arrivals for the retry that succeeds, so no long poll misses them
        return arrivals;
    }

    private long _projectedThrough; // end of the last record fully projected by the running pass
    private long _projectedMessages; // messages (not tombstones) the running pass projected, for the append rate

    private bool ProjectRecord(long offset, ReadOnlySpan<byte> record)
    {
        if (!ProjectOne(offset, record)) return false;
        _projectedThrough = offset + record.Length;
        return true;
    }

    private bool ProjectOne(long offset, ReadOnlySpan<byte> record)
    {
        if (!MessageRecord.TryLocateParts(record, out var parts)) return false; // cannot happen below a validated end
        int sysFlag = MessageRecord.ReadSysFlag(record);
        if (SysFlags.IsTopicTombstone(sysFlag))
        {
            DeleteTopicQueues(_topicNames.Get(record.Slice(parts.TopicOffset, parts.TopicLength)));
            return true;
        }
        _projectedMessages++;
        int transaction = SysFlags.TransactionType(sysFlag);
        var properties = record.Slice(parts.PropertiesOffset, parts.PropertiesLength);
        var topicUtf8 = record.Slice(parts.TopicOffset, parts.TopicLength);

        // Prepared and rolled-back transactional messages are invisible to consumers (RocketMQ's rule).
        if (transaction is 0 or SysFlags.TransactionCommit)
        {
            string topic = _topicNames.Get(topicUtf8);
            int queueId = MessageRecord.ReadQueueId(record);
            var tag = MessageProperties.GetUtf8(properties, TagsKey, out _);
            var queue = ConsumeQueues.GetOrCreate(topic, queueId);
            long queueOffset = MessageRecord.ReadQueueOffset(record);
            long tagCode = topic == SystemTopics.Schedule ? DeliverTime(queueId, record) : TagHash.OfUtf8(tag);
            if (queue.Put(queueOffset, offset, record.Length, tagCode))
                _arrivals[queue] = queueOffset + 1;
        }

        if (Settings.MessageIndexEnable && transaction != SysFlags.TransactionRollback)
        {
            var keys = MessageProperties.GetUtf8(properties, KeysKey, out _);
            var uniqueKey = MessageProperties.GetUtf8(properties, UniqueKeyKey, out _);
            if (!keys.IsEmpty || !uniqueKey.IsEmpty)
                KeyIndex.Put(topicUtf8, keys, uniqueKey, offset, MessageRecord.ReadStoreTimestamp(record));
        }
        return true;
    }

    /// <summary>A schedule-topic entry's tag code is its deliver time: store time + the delay of level queue id + 1.</summary>
    private long DeliverTime(int queueId, ReadOnlySpan<byte> record)
    {
        long stored = MessageRecord.ReadStoreTimestamp(record);
        var delays = Settings.ScheduleDelaysMs;
        return queueId >= 0 && queueId < delays.Count ? stored + delays[queueId] : stored;
    }

    /// <summary>A tombstone: the topic's consume queues go (files and memory); its log records stay until retention.</summary>
    private void DeleteTopicQueues(string topic)
    {
        foreach (var queue in ConsumeQueues.DeleteTopic(topic)) _arrivals.Remove(queue);
        _log.LogInformation("Store {Dir}: topic {Topic} deleted; its consume queues are gone", Settings.Directory, topic);
    }

    /// <summary>Maps topic bytes read from the log to one interned string, so projection allocates no string per message.</summary>
    private sealed class TopicNameCache
    {
        private readonly Dictionary<int, (byte[] Utf8, string Name)[]> _byHash = new();

        public string Get(ReadOnlySpan<byte> utf8)
        {
            int hash = (int)System.IO.Hashing.XxHash32.HashToUInt32(utf8);
            if (_byHash.TryGetValue(hash, out var entries))
                foreach (var (bytes, name) in entries)
                    if (utf8.SequenceEqual(bytes)) return name;
            string topic = Encoding.UTF8.GetString(utf8);
            _byHash[hash] = [.. entries ?? [], (utf8.ToArray(), topic)];
            return topic;
        }
    }
}
