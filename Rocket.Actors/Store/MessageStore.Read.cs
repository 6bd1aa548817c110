using Microsoft.Extensions.Logging;
using Rocket.Store.Format;
using Rocket.Store.Log;
using Rocket.Store.Queue;

namespace Rocket.Store;

/// <summary>Outcome of a queue read; names follow RocketMQ's GetMessageStatus.</summary>
public enum GetMessageStatus
{
    Found,
    /// <summary>Entries were scanned but none passed the filter; <c>NextBeginOffset</c> skips past them.</summary>
    NoMatchedMessage,
    NoMessageInQueue,
    OffsetTooSmall,
    /// <summary>The offset equals the queue's max: the consumer is caught up (a pull may be held).</summary>
    OffsetOverflowOne,
    OffsetOverflowBadly,
    NoMatchedLogicQueue,
    /// <summary>The entry exists but its log segment is gone (retention ran).</summary>
    OffsetFoundNull,
}

/// <summary>What <see cref="MessageStore.ReadQueue{TSink}"/> found; <see cref="Count"/> records went to its sink.</summary>
public readonly record struct QueueRead(GetMessageStatus Status, long NextBeginOffset, long MinOffset, long MaxOffset, int Count);

public sealed record GetMessagesResult(
    GetMessageStatus Status, long NextBeginOffset, long MinOffset, long MaxOffset, IReadOnlyList<StoredMessage> Messages);

public sealed partial class MessageStore
{
    private long _corruptRecordsSkipped;

    /// <summary>How many corrupt records reads met and skipped since the store opened.</summary>
    public long CorruptRecordsSkipped => Interlocked.Read(ref _corruptRecordsSkipped);

    /// <summary>
    /// Reads up to <paramref name="maxCount"/> messages (and about <paramref name="maxBytes"/>; the first message
    /// always fits) from a queue starting at <paramref name="offset"/>, skipping entries whose tag code
    /// <paramref name="tagFilter"/> rejects and records whose properties <paramref name="propertiesFilter"/> rejects
    /// (checked in place: a rejected record is never decoded, and the scan goes on past it). Any thread.
    /// </summary>
    public GetMessagesResult GetMessages(string topic, int queueId, long offset, int maxCount,
        int maxBytes = 256 * 1024, Func<long, bool>? tagFilter = null, PropertiesFilter? propertiesFilter = null)
    {
        var decode = new StoredMessageSink(new List<StoredMessage>());
        var read = ReadQueue(topic, queueId, offset, maxCount, maxBytes, tagFilter, propertiesFilter, ref decode);
        return new(read.Status, read.NextBeginOffset, read.MinOffset, read.MaxOffset, decode.Messages);
    }

    /// <summary>
    /// <see cref="GetMessages"/> that hands each message's record to <paramref name="sink"/> in place instead of
    /// decoding it, so a reader that only copies the bytes on (a pull answered over the data channel) decodes nothing.
    /// A record the sink turns down is skipped like a filtered one: it takes no room in the answer.
    /// </summary>
    public QueueRead ReadQueue<TSink>(string topic, int queueId, long offset, int maxCount, int maxBytes,
        Func<long, bool>? tagFilter, PropertiesFilter? propertiesFilter, ref TSink sink)
        where TSink : IRecordSink, allows ref struct
    {
        var queue = ConsumeQueues.Find(topic, queueId);
        if (queue is null) return new(GetMessageStatus.NoMatchedLogicQueue, 0, 0, 0, 0);
        long min = queue.MinOffset, max = queue.MaxOffset;
        if (max == 0) return new(GetMessageStatus.NoMessageInQueue, 0, min, max, 0);
        if (offset < min) return new(GetMessageStatus.OffsetTooSmall, min, min, max, 0);
        if (offset == max) return new(GetMessageStatus.OffsetOverflowOne, offset, min, max, 0);
        if (offset > max) return new(GetMessageStatus.OffsetOverflowBadly, max, min, max, 0);

        // Scan at most ~800 entries per call, as RocketMQ does, so a selective filter cannot make one read unbounded.
        int scanLimit = (int)Math.Min(Math.Max(maxCount, 800), max - offset);
        var entries = System.Buffers.ArrayPool<ConsumeQueueEntry>.Shared.Rent(scanLimit);
        try
        {
            int count = queue.Read(offset, entries.AsSpan(0, scanLimit));
            int found = 0;
            long next = offset;
            int bytes = 0;
            bool missing = false;
            for (int i = 0; i < count && found < maxCount; i++)
            {
                var entry = entries[i];
                if (found > 0 && bytes + entry.Size > maxBytes) break;
                next = offset + i + 1;
                if (entry.Size <= 0) continue; // a filler slot (queue started mid-file): no message behind it
                if (tagFilter is not null && !tagFilter(entry.TagCode)) continue;
                var outcome = CommitLog.TryRead(entry.PhysicalOffset, entry.Size, propertiesFilter, ref sink);
                if (outcome == ReadOutcome.Filtered) continue;
                if (outcome == ReadOutcome.Corrupt)
                {
                    // Never served as valid: the reader moves past it (next is already beyond it), loudly.
                    Interlocked.Increment(ref _corruptRecordsSkipped);
                    _log.LogWarning(
                        "Store {Dir}: skipped a corrupt record (framing or CRC check failed) at topic {Topic} queue {QueueId} queue offset {QueueOffset}, commit-log offset {PhysicalOffset}, {Size} bytes; run 'rocket store verify' on the stopped store",
                        Settings.Directory, topic, queueId, offset + i, entry.PhysicalOffset, entry.Size);
                    continue;
                }
                if (outcome == ReadOutcome.Gone) { missing = true; continue; }
                found++;
                bytes += entry.Size;
            }
            var status = found > 0 ? GetMessageStatus.Found
                : missing ? GetMessageStatus.OffsetFoundNull : GetMessageStatus.NoMatchedMessage;
            return new(status, next, min, max, found);
        }
        finally
        {
            System.Buffers.ArrayPool<ConsumeQueueEntry>.Shared.Return(entries);
        }
    }

    private readonly struct StoredMessageSink(List<StoredMessage> messages) : IRecordSink
    {
        public List<StoredMessage> Messages => messages;

        public bool Take(ReadOnlySpan<byte> record, in RecordParts parts)
        {
            messages.Add(MessageRecord.Decode(record, parts));
            return true;
        }
    }

    /// <summary>The message stored at a physical offset (e.g. from a key query or an offset message id).</summary>
    public StoredMessage? ReadMessage(long physicalOffset, int size) => CommitLog.Read(physicalOffset, size);

    /// <summary>The message at <paramref name="physicalOffset"/>, reading its size from the record itself.</summary>
    public StoredMessage? ReadMessage(long physicalOffset)
    {
        int size = 0;
        var segment = CommitLog.Segments.Find(physicalOffset);
        if (segment is null || physicalOffset + 8 > CommitLog.MaxOffset || !segment.TryRetain()) return null;
        try
        {
            int position = (int)(physicalOffset - segment.StartOffset);
            if (position + 8 > segment.Size) return null;
            size = MessageRecord.ReadTotalSize(segment.ReadOnlySpan(position, 8));
        }
        finally
        {
            segment.Release();
        }
        return size > 0 ? CommitLog.Read(physicalOffset, size) : null;
    }

    public long GetMinOffset(string topic, int queueId) => ConsumeQueues.Find(topic, queueId)?.MinOffset ?? 0;
    public long GetMaxOffset(string topic, int queueId) => ConsumeQueues.Find(topic, queueId)?.MaxOffset ?? 0;

    /// <summary>First queue offset whose message was stored at or after <paramref name="timestamp"/> (for rewinding).</summary>
    public long SearchOffsetByTime(string topic, int queueId, long timestamp)
    {
        var queue = ConsumeQueues.Find(topic, queueId);
        return queue?.FindOffsetByTime(timestamp, CommitLog.StoreTimestampAt) ?? 0;
    }

    /// <summary>
    /// Messages of <paramref name="topic"/> whose KEYS or UNIQ_KEY contains <paramref name="key"/>, stored within
    /// [begin, end] (ms). The index matches by hash only, so each candidate's real keys are re-checked here.
    /// </summary>
    public IReadOnlyList<StoredMessage> QueryMessagesByKey(string topic, string key, int maxNum, long beginTimestamp, long endTimestamp)
    {
        maxNum = Math.Clamp(maxNum, 1, Settings.MaxMsgsNumBatch);
        var results = new List<StoredMessage>();
        foreach (long offset in KeyIndex.Query(topic, key, maxNum, beginTimestamp, endTimestamp))
        {
            var message = ReadMessage(offset);
            if (message is null || message.Topic != topic) continue;
            bool matches = message.UniqueKey == key ||
                           (message.Keys?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(key) ?? false);
            if (matches) results.Add(message);
            if (results.Count >= maxNum) break;
        }
        return results;
    }
}
