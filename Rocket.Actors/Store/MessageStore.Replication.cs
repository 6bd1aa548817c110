using Rocket.Protocol;
using Microsoft.Extensions.Logging;
using Rocket.Store.Format;
using Rocket.Store.Recovery;
using Rocket.Store.Replication;

namespace Rocket.Store;

/// <summary>
/// The store side of replication (<see cref="IReplicaLog"/>, docs/replication.md "Store"): a master's raw reads, a
/// slave's appends at identical offsets, the epoch history, truncation and emptying.
/// <list type="bullet">
/// <item><see cref="ReadWholeRecords"/>: any thread.</item>
/// <item><see cref="AppendReplica"/>, <see cref="BeginEpoch"/>: the journal's thread only.</item>
/// <item><see cref="TruncateLog"/>, <see cref="StartLogAt"/>: the projector's thread, while the journal holds every write.</item>
/// </list>
/// </summary>
public sealed partial class MessageStore : IReplicaLog
{
    private EpochEntry[] _epochs = [];
    private readonly TopicNameCache _replicaTopicNames = new(); // the journal thread's own (the projector has its cache)
    private long _checkpointCap = long.MaxValue; // while a truncation runs: no checkpoint may claim bytes past its cut
    private readonly object _checkpointLock = new(); // the flush actor and a truncation both write the checkpoint file

    /// <summary>Writes a checkpoint that claims no more than <paramref name="logFlushed"/> / <paramref name="projectionSafe"/>.</summary>
    private void WriteConservativeCheckpoint(long logFlushed, long projectionSafe)
    {
        lock (_checkpointLock)
            new Checkpoint(logFlushed, Math.Min(projectionSafe, logFlushed), _lastStoreTimestamp).Write(Settings.CheckpointPath);
    }

    /// <summary><c>{store}/epochs</c>, see <see cref="EpochFile"/>.</summary>
    public string EpochPath => Path.Combine(Settings.Directory, "epochs");

    public int SegmentSize => CommitLog.SegmentSize;
    public long MinOffset => CommitLog.MinOffset;
    public long MaxOffset => CommitLog.AppendOffset;

    public IReadOnlyList<EpochEntry> Epochs => Volatile.Read(ref _epochs);

    public long CurrentEpoch => Volatile.Read(ref _epochs) is { Length: > 0 } e ? e[^1].Epoch : 0;

    /// <summary>
    /// A read buffer this large always holds the next record whole (a blank marker, which copies the rest of its
    /// segment, is never larger than a record plus its own header): smaller ones may make <see cref="ReadWholeRecords"/> return 0.
    /// </summary>
    public int ReplicaReadBufferMinimum => Format.MessageRecord.FixedOverhead + 12 + Settings.MaxMessageSize
                                           + MessageRecord.MaxTopicBytes + Settings.MaxPropertiesSize + MessageRecord.BlankSize;

    /// <summary>
    /// At open, after recovery: loads the epoch history (a damaged file stops the open, naming it). Entries that start
    /// beyond the recovered log end (the crash cut what their epoch wrote) are dropped, logged: an epoch entry never
    /// points past the log.
    /// </summary>
    private void OpenEpochs()
    {
        var entries = EpochFile.Read(EpochPath);
        long end = CommitLog.AppendOffset;
        int keep = entries.Length;
        while (keep > 0 && entries[keep - 1].StartOffset > end) keep--;
        if (keep < entries.Length)
        {
            _log.LogWarning("Store {Dir}: epoch entries {Dropped} start beyond the recovered log end {End}; they are dropped from {File}",
                Settings.Directory, string.Join(", ", entries[keep..].Select(e => $"(epoch {e.Epoch} at {e.StartOffset})")), end, EpochPath);
            entries = entries[..keep];
            EpochFile.Write(EpochPath, entries);
        }
        Volatile.Write(ref _epochs, entries);
    }

    public int ReadWholeRecords(long from, long limit, Span<byte> destination)
    {
        long min = CommitLog.MinOffset;
        if (from < min)
            throw new StoreException($"commit-log offset {from} is below this log's start {min}: retention removed it; a slave that needs it starts over at {min}");
        limit = Math.Min(limit, CommitLog.MaxOffset);
        if (from >= limit || destination.IsEmpty) return 0;
        var segment = CommitLog.Segments.Find(from);
        if (segment is null || !segment.TryRetain())
        {
            if (from < CommitLog.MinOffset) // retention ran between the check above and here
                throw new StoreException($"commit-log offset {from} is below this log's start {CommitLog.MinOffset}: retention removed it");
            return 0;
        }
        try
        {
            int start = (int)(from - segment.StartOffset);
            int end = (int)Math.Min(segment.Size, limit - segment.StartOffset);
            int p = start;
            while (p < end)
            {
                var span = segment.ReadOnlySpan(p, segment.Size - p);
                int size = MessageRecord.ReadTotalSize(span);
                int magic = MessageRecord.ReadMagic(span);
                bool whole = magic switch
                {
                    // The blank goes with the zeros after it: the slave's segment then ends exactly where this one does.
                    MessageRecord.BlankMagic => size == segment.Size - p,
                    MessageRecord.DamagedMagic => size >= MessageRecord.BlankSize && size <= segment.Size - p,
                    MessageRecord.Magic => size >= MessageRecord.FixedOverhead && size <= segment.Size - p
                                           && MessageRecord.ReadPhysicalOffset(span) == segment.StartOffset + p,
                    _ => false,
                };
                if (!whole)
                {
                    if (p == start)
                        throw new StoreException(
                            $"commit-log offset {from} is not where a record starts (or its record is damaged): magic 0x{magic:X8}, size {size}");
                    break; // damage further on: the reader meets it as the start of its next read
                }
                if (p + size > end || p + size - start > destination.Length) break;
                p += size;
            }
            segment.ReadOnlySpan(start, p - start).CopyTo(destination);
            return p - start;
        }
        finally
        {
            segment.Release();
        }
    }

    /// <summary>
    /// Appends bytes a master read with <see cref="ReadWholeRecords"/> at <paramref name="start"/> (journal thread).
    /// Returns null when appended, else why nothing was written (gap, overlap, a bad record, the store failing).
    /// </summary>
    public string? AppendReplica(long start, ReadOnlySpan<byte> bytes)
    {
        if (_closed) return "the store is shut down";
        if (Health.Problem is { } problem) return RefusalFor(problem);
        long end = CommitLog.AppendOffset;
        if (start > end) return $"gap: the replica bytes start at offset {start} but this log ends at {end}; the {start - end} bytes in between are missing";
        if (start < end) return $"overlap: the replica bytes start at offset {start} but this log already holds bytes up to {end}";
        if (ReplicaBytes.Problem(bytes, start, SegmentSize, out bool endsSegment) is { } bad) return bad;
        try
        {
            CommitLog.AppendRaw(start, bytes, endsSegment);
        }
        catch (StoreException e)
        {
            return $"cannot append the replica bytes at offset {start}: {e.Message}";
        }
        NoteReplicaRecords(bytes);
        return null;
    }

    /// <summary>
    /// The queue-offset table and store timestamp follow the appended records (as the journal's own appends move them),
    /// so a promoted slave continues every queue where the master stopped.
    /// </summary>
    private void NoteReplicaRecords(ReadOnlySpan<byte> bytes)
    {
        long newest = _lastStoreTimestamp;
        for (int p = 0; p + MessageRecord.BlankSize <= bytes.Length;)
        {
            var record = bytes[p..];
            int size = MessageRecord.ReadTotalSize(record);
            if (MessageRecord.ReadMagic(record) == MessageRecord.Magic)
            {
                record = record[..size];
                MessageRecord.TryLocateParts(record, out var parts); // checked before the append
                string topic = _replicaTopicNames.Get(record.Slice(parts.TopicOffset, parts.TopicLength));
                int sysFlag = MessageRecord.ReadSysFlag(record);
                if (SysFlags.IsTopicTombstone(sysFlag)) _queueOffsets.Remove(topic);
                else if (SysFlags.TransactionType(sysFlag) is not (SysFlags.TransactionPrepared or SysFlags.TransactionRollback))
                    _queueOffsets.Set(topic, MessageRecord.ReadQueueId(record), MessageRecord.ReadQueueOffset(record) + 1);
                newest = Math.Max(newest, MessageRecord.ReadStoreTimestamp(record));
            }
            p += size;
        }
        _lastStoreTimestamp = newest;
    }

    /// <summary>Records that <paramref name="epoch"/> began at <paramref name="start"/> (journal thread); null, or why not.</summary>
    public string? BeginEpoch(long epoch, long start)
    {
        var entries = Volatile.Read(ref _epochs);
        long current = entries.Length > 0 ? entries[^1].Epoch : 0;
        if (epoch <= current) return $"epoch {epoch} is not above this store's current epoch {current}";
        if (entries.Length > 0 && start < entries[^1].StartOffset)
            return $"epoch {epoch} would start at {start}, before the current epoch {current}'s start {entries[^1].StartOffset}";
        long end = CommitLog.AppendOffset;
        if (start > end)
            return $"epoch {epoch} would start at {start}, beyond this log's end {end}: a replica records an epoch once its log reaches the epoch's start";
        if (start < 0) return $"epoch {epoch} would start at the negative offset {start}";
        EpochEntry[] next = [.. entries, new EpochEntry(epoch, start)];
        EpochFile.Write(EpochPath, next);
        Volatile.Write(ref _epochs, next);
        _log.LogInformation("Store {Dir}: epoch {Epoch} begins at log offset {Start}", Settings.Directory, epoch, start);
        return null;
    }

    /// <summary>
    /// Cuts the log at <paramref name="offset"/> (projector thread, the journal holding writes); null, or why not.
    /// Order for crash safety: the checkpoint first (recovery then re-validates and re-projects from the cut), then the
    /// epoch file, consume queues and key index, then the log's segments newest first (a crash leaves a shorter prefix
    /// of the old log, never a hole), then the tail of the segment holding the cut (zeroed and flushed).
    /// </summary>
    public string? TruncateLog(long offset)
    {
        long end = CommitLog.AppendOffset, min = CommitLog.MinOffset;
        if (offset > end) return $"cannot truncate at {offset}: the log ends at {end}";
        if (offset < min) return $"cannot truncate at {offset}: the log starts at {min} (retention); empty the store with StartLogAt instead";
        if (offset < end && CommitLog.Segments.Find(offset) is { } segment)
        {
            long reached = CommitLog.Scan(segment.StartOffset, offset, verifyCrc: false, static (_, _) => true, out bool damaged);
            if (reached != offset)
                return damaged
                    ? $"cannot truncate at {offset}: the log is damaged at {reached}, before it, so it cannot be shown to be a record boundary"
                    : $"cannot truncate at {offset}: it is not a record boundary (the record or segment-end blank at {reached} spans it)";
        }

        Volatile.Write(ref _checkpointCap, offset);
        try
        {
            WriteConservativeCheckpoint(Math.Min(CommitLog.FlushedOffset, offset), Math.Min(Volatile.Read(ref _projectionsFlushedOffset), offset));
            var entries = Volatile.Read(ref _epochs);
            var kept = entries.Where(e => e.StartOffset < offset).ToArray();
            if (kept.Length < entries.Length)
            {
                EpochFile.Write(EpochPath, kept);
                Volatile.Write(ref _epochs, kept);
            }
            if (offset == end) return null;

            CommitLog.Segments.ForceRange(CommitLog.FlushedOffset, offset); // what stays is on disk before anything goes
            if (ProjectedOffset < offset) Project(offset);
            _queueOffsets.Clear();
            foreach (var queue in ConsumeQueues.All)
                _queueOffsets.Set(queue.Topic, queue.QueueId, queue.TruncateAtLogOffset(offset));
            long replayKeysFrom = Math.Max(CommitLog.MinOffset, KeyIndex.RemoveFilesAfter(offset));

            CommitLog.Segments.DropSegmentsFrom(offset, keepFirst: true);
            CommitLog.Segments.TruncateFrom(offset); // zeroes and flushes the tail of the segment holding the cut
            CommitLog.ResumeAt(offset);
            CommitLog.SetFlushed(offset);

            // Rebuilds the index files it removed; until the flush actor's next thorough flush, recovery re-projects them.
            long replayFrom = Math.Min(replayKeysFrom, offset);
            Volatile.Write(ref _projectionsFlushedOffset, Math.Min(Volatile.Read(ref _projectionsFlushedOffset), replayFrom));
            Volatile.Write(ref _projectedOffset, replayFrom);
            Project(offset, countAppended: false);
            WriteConservativeCheckpoint(offset, replayFrom);
        }
        finally
        {
            Volatile.Write(ref _checkpointCap, long.MaxValue);
        }
        _log.LogWarning("Store {Dir}: commit log truncated at {Offset} (it ended at {End}); consume queues, key index, queue offsets and epochs follow",
            Settings.Directory, offset, end);
        return null;
    }

    public IReadOnlyList<QueueStart> QueueOffsetsAt(long logOffset)
    {
        var starts = new List<QueueStart>();
        foreach (var queue in ConsumeQueues.All)
        {
            long next;
            try { next = queue.NextOffsetAt(logOffset); }
            catch (ObjectDisposedException) { continue; } // its topic is being deleted: the tombstone in the log says so to the reader
            if (next > 0) starts.Add(new QueueStart(queue.Topic, queue.QueueId, next));
        }
        return starts;
    }

    /// <summary>
    /// Empties the store and starts its log at <paramref name="offset"/> (projector thread, the journal holding
    /// writes); null, or why not. The checkpoint and the epoch file go first, then projections, then the queues'
    /// starts (<paramref name="queues"/>, flushed), then the log: a crash part-way leaves no log at the offset, which
    /// the next handshake again finds behind the master (and starts over, queues included).
    /// </summary>
    public string? StartLogAt(long offset, IReadOnlyList<QueueStart>? queues = null)
    {
        if (offset < 0) return $"cannot start the log at the negative offset {offset}";
        foreach (var start in queues ?? [])
            if (start.NextOffset < 0 || ResourceNames.CheckTopic(start.Topic) is not null || start.QueueId < 0)
                return $"cannot start queue {start.Topic}/{start.QueueId} at {start.NextOffset}: not a valid queue and offset";
        long end = CommitLog.AppendOffset;
        Volatile.Write(ref _checkpointCap, 0);
        try
        {
            WriteConservativeCheckpoint(0, 0);
            EpochFile.Write(EpochPath, []);
            Volatile.Write(ref _epochs, []);
            foreach (var topic in ConsumeQueues.All.Select(q => q.Topic).Distinct().ToList()) ConsumeQueues.DeleteTopic(topic);
            KeyIndex.RemoveFilesAfter(-1);
            CommitLog.Segments.DropSegmentsFrom(long.MinValue, keepFirst: false);
            _queueOffsets.Clear();
            foreach (var start in queues ?? [])
            {
                var queue = ConsumeQueues.GetOrCreate(start.Topic, start.QueueId);
                queue.StartAt(start.NextOffset);
                queue.Flush();
                _queueOffsets.Set(start.Topic, start.QueueId, start.NextOffset);
            }
            CommitLog.ResumeAt(offset);
            CommitLog.EnsureWritable(); // the first segment exists at once, so a restart resumes at the offset too
            CommitLog.SetFlushed(offset);
            Volatile.Write(ref _projectedOffset, offset);
            Volatile.Write(ref _projectionsFlushedOffset, offset);
            WriteConservativeCheckpoint(offset, offset);
        }
        finally
        {
            Volatile.Write(ref _checkpointCap, long.MaxValue);
        }
        _log.LogWarning("Store {Dir}: emptied (its log ended at {End}); the log starts again at {Offset}, {Queues} queue(s) continuing at their master's offsets",
            Settings.Directory, end, offset, queues?.Count ?? 0);
        return null;
    }
}
