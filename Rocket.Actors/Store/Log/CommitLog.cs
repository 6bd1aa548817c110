using System.Text;
using Rocket.Store.Format;
using Rocket.Store.Mapped;
using Rocket.Store.Space;

namespace Rocket.Store.Log;

/// <summary>Called for each record met by <see cref="CommitLog.Scan"/>; return false to stop.</summary>
public delegate bool RecordVisitor(long offset, ReadOnlySpan<byte> record);

/// <summary>
/// The node's one append-only log for every topic: fixed-size mapped segments, records never span two segments,
/// a blank marker ends a segment. Appends come from the single writer; reads from any thread below <see cref="MaxOffset"/>.
/// </summary>
public sealed class CommitLog : IDisposable
{
    private readonly SegmentedFile _segments;
    private readonly MessageLimits _limits;
    private readonly Dictionary<string, byte[]> _topicBytes = new(StringComparer.Ordinal);
    private long _flushedOffset;
    private readonly RecentRecordEnds _recentEnds = new();

    public CommitLog(string directory, int segmentSize, MessageLimits limits, StoreSpaceGuard? guard = null)
    {
        _segments = new SegmentedFile(directory, segmentSize, prepareAhead: true, guard);
        _limits = limits;
    }

    public SegmentedFile Segments => _segments;
    public int SegmentSize => _segments.SegmentSize;
    public long MinOffset => _segments.MinOffset;

    /// <summary>End of the written (visible) bytes.</summary>
    public long MaxOffset => _segments.MaxOffset;

    /// <summary>End of the bytes known to be on disk.</summary>
    public long FlushedOffset => Volatile.Read(ref _flushedOffset);

    public void Load() => _segments.Load();

    /// <summary>Drops the pages below <paramref name="offset"/> from the process's resident set (see <see cref="SegmentedFile.ReleasePagesBelow"/>).</summary>
    public void ReleasePagesBelow(long offset) => _segments.ReleasePagesBelow(offset);

    /// <summary>
    /// Appends every acceptable message of <paramref name="batch"/>; rejected ones get their error in
    /// <paramref name="results"/> and write nothing. The records are gathered in a <see cref="RecordStage"/> and
    /// written into their segment in one system call per segment (or per full stage). Readers see the batch once it
    /// is written. If a write fails, its messages and every later one get the error (<see cref="TakeAppendFailure"/>),
    /// the queue offsets they took are given back, and what was written before stays.
    /// </summary>
    public void Append(ReadOnlySpan<MessageToStore> batch, Span<AppendResult> results, QueueOffsetTable queueOffsets, long storeTimestamp)
    {
        MappedSegment? segment = null;
        int position = 0;
        int firstStaged = 0; // the first message whose record is staged and not yet written
        queueOffsets.TrackChanges();
        try
        {
            for (int i = 0; i < batch.Length; i++)
            {
                ref readonly var message = ref batch[i];
                if (!_limits.TryCheck(message, out int propertyBytes, out var rejection))
                {
                    results[i] = rejection;
                    continue;
                }
                byte[] topic = TopicBytes(message.Topic);
                int sysFlag = MessageRecord.NormalizeSysFlag(message.SysFlag, message.BornHost);
                int size = MessageRecord.SizeOf(sysFlag, message.Body.Length, topic.Length, propertyBytes);
                if (size + MessageRecord.BlankSize > SegmentSize)
                {
                    results[i] = AppendResult.Failed(AppendStatus.MessageIllegal,
                        $"message record is {size} bytes and cannot fit a {SegmentSize}-byte commit-log segment");
                    continue;
                }

                try
                {
                    if (segment is null)
                    {
                        segment = _segments.GetWritable(startIfEmpty: _resumeOffset);
                        position = segment.WritePosition;
                        _stage.Begin(segment, position);
                    }
                    if (size + MessageRecord.BlankSize > segment.Size - position)
                    {
                        // Close this segment with a blank marker and continue in the next one.
                        if (!_stage.Fits(MessageRecord.BlankSize)) WriteStage(queueOffsets, ref firstStaged, i);
                        MessageRecord.WriteBlank(_stage.Take(MessageRecord.BlankSize), segment.Size - position);
                        WriteStage(queueOffsets, ref firstStaged, i);
                        segment.WritePosition = segment.Size;
                        segment = null;
                        segment = _segments.GetWritable();
                        position = segment.WritePosition;
                        _stage.Begin(segment, position);
                    }
                    else if (!_stage.Fits(size)) WriteStage(queueOffsets, ref firstStaged, i);
                }
                catch (StoreException e)
                {
                    // No room for a new segment (disk full), or a write failed: this and every later message are
                    // not written, nor are the staged ones before it.
                    Fail(e, results, batch.Length, firstStaged, queueOffsets);
                    if (segment is not null) Publish(segment, _stage.Position);
                    return;
                }

                long physical = segment.StartOffset + position;
                // Prepared and rolled-back transactional messages never reach a consume queue, so they take no queue
                // offset (RocketMQ's rule); a queue's offsets stay dense.
                int transaction = SysFlags.TransactionType(sysFlag);
                long queueOffset;
                if (SysFlags.IsTopicTombstone(sysFlag))
                {
                    queueOffsets.Remove(message.Topic); // the topic's next life starts at queue offset 0
                    queueOffset = 0;
                }
                else queueOffset = transaction is SysFlags.TransactionPrepared or SysFlags.TransactionRollback
                    ? 0
                    : queueOffsets.TakeNext(message.Topic, message.QueueId);
                MessageRecord.Write(_stage.Take(size), size, message, sysFlag, topic, propertyBytes,
                    queueOffset, physical, storeTimestamp);
                position += size;
                results[i] = new AppendResult(AppendStatus.Ok, queueOffset, physical, storeTimestamp, size);
            }
            if (segment is null) return;
            try
            {
                WriteStage(queueOffsets, ref firstStaged, batch.Length);
            }
            catch (StoreException e)
            {
                Fail(e, results, batch.Length, firstStaged, queueOffsets);
            }
            Publish(segment, _stage.Position);
        }
        finally
        {
            queueOffsets.StopTracking();
        }
    }

    /// <summary>Writes the stage; its messages, before <paramref name="next"/>, are then in the log for good.</summary>
    private void WriteStage(QueueOffsetTable queueOffsets, ref int firstStaged, int next)
    {
        _stage.Write();
        queueOffsets.KeepChanges();
        firstStaged = next;
    }

    /// <summary>The messages from <paramref name="firstUnwritten"/> on get <paramref name="error"/>, unless refused already.</summary>
    private void Fail(StoreException error, Span<AppendResult> results, int count, int firstUnwritten, QueueOffsetTable queueOffsets)
    {
        _appendFailure = error;
        queueOffsets.UndoChanges();
        var failure = AppendResult.Failed(AppendStatus.ServiceNotAvailable, error.Message);
        for (int j = firstUnwritten; j < count; j++)
            if (results[j].Status == AppendStatus.Ok) results[j] = failure; // Ok is also the default of one not yet reached
    }

    /// <summary>Readers see the segment's bytes up to <paramref name="end"/>.</summary>
    private void Publish(MappedSegment segment, int end)
    {
        if (end == segment.WritePosition) return;
        segment.WritePosition = end;
        _recentEnds.Add(segment.StartOffset + end);
    }

    private readonly RecordStage _stage = new();
    private long _resumeOffset;
    private StoreException? _appendFailure;

    /// <summary>Where the next append lands: the log's end, or where an empty log resumes (see <see cref="ResumeAt"/>).</summary>
    public long AppendOffset => _segments.Last is null ? _resumeOffset : MaxOffset;

    /// <summary>
    /// Appends bytes already checked to be whole records at <paramref name="start"/> = <see cref="AppendOffset"/>,
    /// within one segment (a replica's append; single writer). <paramref name="endsSegment"/>: they end with the blank
    /// marker, so the segment is complete. Readers see the bytes once they are all copied.
    /// </summary>
    public void AppendRaw(long start, ReadOnlySpan<byte> bytes, bool endsSegment)
    {
        var segment = _segments.GetWritable(startIfEmpty: _resumeOffset);
        int position = segment.WritePosition;
        if (segment.StartOffset + position != start)
            throw new StoreException($"a replica append at offset {start} does not continue the log, which ends at {segment.StartOffset + position}");
        if (position + bytes.Length > segment.Size)
            throw new StoreException($"a replica append of {bytes.Length} bytes at offset {start} runs past the segment end {segment.EndOffset}");
        segment.Write(position, bytes);
        segment.WritePosition = endsSegment ? segment.Size : position + bytes.Length; // publish to readers
        _recentEnds.Add(segment.StartOffset + segment.WritePosition);
    }

    /// <summary>The error that made the last <see cref="Append"/> stop early (no next segment), once; null if none.</summary>
    public StoreException? TakeAppendFailure()
    {
        var failure = _appendFailure;
        _appendFailure = null;
        return failure;
    }

    /// <summary>Makes sure a segment with room exists (creating the next one if needed): the journal's retry after a failed roll.</summary>
    public void EnsureWritable() => _segments.GetWritable(startIfEmpty: _resumeOffset);

    /// <summary>Where the first segment starts when every file was deleted (keeps offsets increasing).</summary>
    public void ResumeAt(long offset) => _resumeOffset = offset;

    private byte[] TopicBytes(string topic)
    {
        if (!_topicBytes.TryGetValue(topic, out var bytes))
        {
            bytes = Encoding.UTF8.GetBytes(topic);
            if (_topicBytes.Count > 100_000) _topicBytes.Clear(); // bound the cache; topics are few in practice
            _topicBytes[topic] = bytes;
        }
        return bytes;
    }

    /// <summary>
    /// Flushes written bytes up to <paramref name="upTo"/> (blocking msync); returns the flushed end, which is always
    /// a record boundary: the end of the last whole record on disk.
    /// </summary>
    public long Flush(long upTo)
    {
        long target = Math.Min(upTo, MaxOffset);
        long from = FlushedOffset;
        // Read before the msync, while the appends that ended near the target are still among the recent ones.
        long nearEnd = _recentEnds.GreatestAtOrBelow(target, from);
        long flushed = _segments.Flush(target);
        if (flushed > from)
        {
            // A flush that stops at a page boundary usually ends inside a record. The flushed offset goes into the
            // checkpoint, where crash recovery starts validating records: it must be a record start, or recovery
            // reads a record's middle as a torn record and cuts every later (acknowledged) message off the log.
            long boundary = Scan(nearEnd <= flushed ? nearEnd : from, flushed, verifyCrc: false, static (_, _) => true, out _);
            Volatile.Write(ref _flushedOffset, boundary);
        }
        return FlushedOffset;
    }

    /// <summary>Marks everything up to <paramref name="offset"/> as flushed (after recovery found it on disk).</summary>
    public void SetFlushed(long offset)
    {
        _recentEnds.Clear(); // called where the log was cut or recovered
        Volatile.Write(ref _flushedOffset, offset);
        foreach (var s in _segments.Segments)
            s.FlushedPosition = (int)Math.Clamp(offset - s.StartOffset, 0, s.WritePosition);
    }

    /// <summary>
    /// Visits records from <paramref name="from"/> (a record boundary) until <paramref name="limit"/>, the first invalid
    /// record, or the visitor says stop. Returns the offset after the last record visited (or skipped blank).
    /// </summary>
    public long Scan(long from, long limit, bool verifyCrc, RecordVisitor visitor, out bool hitInvalid)
    {
        hitInvalid = false;
        long offset = Math.Max(from, MinOffset);
        while (offset < limit)
        {
            var segment = _segments.Find(offset);
            if (segment is null || !segment.TryRetain()) break;
            try
            {
                int position = (int)(offset - segment.StartOffset);
                int segmentLimit = (int)Math.Min(segment.Size, limit - segment.StartOffset);
                while (position < segmentLimit)
                {
                    var span = segment.ReadOnlySpan(position, segment.Size - position);
                    var check = MessageRecord.Check(span, segment.StartOffset + position, verifyCrc);
                    if (check == RecordCheck.Blank)
                    {
                        // Like a record, the blank is passed only whole: a limit inside it stops the scan at its start,
                        // the last record boundary, never inside it (where no later scan could continue).
                        if (segmentLimit < segment.Size) return segment.StartOffset + position;
                        position = segment.Size;
                        break;
                    }
                    if (check == RecordCheck.Damaged)
                    {
                        // A range recovery filled: no record to visit, but like a record it ends on a boundary.
                        int filled = MessageRecord.ReadTotalSize(span);
                        if (position + filled > segmentLimit) return segment.StartOffset + position;
                        position += filled;
                        continue;
                    }
                    if (check == RecordCheck.Invalid)
                    {
                        hitInvalid = true;
                        return segment.StartOffset + position;
                    }
                    int size = MessageRecord.ReadTotalSize(span);
                    if (position + size > segmentLimit) return segment.StartOffset + position; // beyond the visible end
                    if (!visitor(segment.StartOffset + position, span[..size]))
                        return segment.StartOffset + position;
                    position += size;
                }
                offset = segment.StartOffset + position;
                if (position < segment.Size) break; // reached the limit inside this segment
            }
            finally
            {
                segment.Release();
            }
        }
        return Math.Min(offset, Math.Max(limit, from));
    }

    /// <summary>Copies the record at <paramref name="offset"/> and decodes it; null if it is gone or fails its checks.</summary>
    public StoredMessage? Read(long offset, int size) => TryRead(offset, size, out var message) == ReadOutcome.Ok ? message : null;

    /// <summary>
    /// Reads and decodes the record at <paramref name="offset"/> after checking it whole: size, magic, own offset,
    /// lengths and CRC (one pass over bytes the decode copies anyway), so a corrupt record is never served as valid.
    /// </summary>
    public ReadOutcome TryRead(long offset, int size, out StoredMessage? message) => TryRead(offset, size, null, out message);

    /// <summary>
    /// <see cref="TryRead(long,int,out StoredMessage?)"/> that first shows the checked record's properties (UTF-8, in
    /// place) to <paramref name="filter"/>: a record it rejects is <see cref="ReadOutcome.Filtered"/> and never decoded.
    /// </summary>
    public ReadOutcome TryRead(long offset, int size, PropertiesFilter? filter, out StoredMessage? message)
    {
        var decode = new DecodingSink();
        var outcome = TryRead(offset, size, filter, ref decode);
        message = decode.Message;
        return outcome;
    }

    /// <summary>
    /// Checks the record at <paramref name="offset"/> whole (size, magic, own offset, lengths and CRC), so a corrupt
    /// record is never served as valid, shows its properties to <paramref name="filter"/>, then hands it to
    /// <paramref name="sink"/> in place, while its segment is held. <see cref="ReadOutcome.Filtered"/>: the filter or
    /// the sink turned it down.
    /// </summary>
    public ReadOutcome TryRead<TSink>(long offset, int size, PropertiesFilter? filter, ref TSink sink)
        where TSink : IRecordSink, allows ref struct
    {
        if (offset < 0 || size <= 0 || offset + size > MaxOffset) return ReadOutcome.Gone;
        var segment = _segments.Find(offset);
        if (segment is null || !segment.TryRetain()) return ReadOutcome.Gone;
        try
        {
            int position = (int)(offset - segment.StartOffset);
            if (position + size > segment.Size) return ReadOutcome.Corrupt;
            var span = segment.ReadOnlySpan(position, size);
            if (MessageRecord.ReadTotalSize(span) != size || MessageRecord.Check(span, offset, verifyCrc: true) != RecordCheck.Valid
                || !MessageRecord.TryLocateParts(span, out var parts))
                return ReadOutcome.Corrupt;
            if (filter is not null && !filter(span.Slice(parts.PropertiesOffset, parts.PropertiesLength)))
                return ReadOutcome.Filtered;
            return sink.Take(span, parts) ? ReadOutcome.Ok : ReadOutcome.Filtered;
        }
        finally
        {
            segment.Release();
        }
    }

    private struct DecodingSink : IRecordSink
    {
        public StoredMessage? Message;

        public bool Take(ReadOnlySpan<byte> record, in RecordParts parts)
        {
            Message = MessageRecord.Decode(record, parts);
            return true;
        }
    }

    /// <summary>Runs <paramref name="reader"/> over the record bytes in place (no copy) while the segment is held.</summary>
    public bool Access(long offset, int size, ReadOnlySpanAction reader)
    {
        if (offset < 0 || size <= 0 || offset + size > MaxOffset) return false;
        var segment = _segments.Find(offset);
        if (segment is null || !segment.TryRetain()) return false;
        try
        {
            int position = (int)(offset - segment.StartOffset);
            if (position + size > segment.Size) return false;
            var span = segment.ReadOnlySpan(position, size);
            if (MessageRecord.ReadTotalSize(span) != size || MessageRecord.ReadMagic(span) != MessageRecord.Magic) return false;
            reader(span);
            return true;
        }
        finally
        {
            segment.Release();
        }
    }

    /// <summary>Store timestamp of the record at <paramref name="offset"/>, or -1 if it is gone.</summary>
    public long StoreTimestampAt(long offset, int size)
    {
        long timestamp = -1;
        Access(offset, size, span => timestamp = MessageRecord.ReadStoreTimestamp(span));
        return timestamp;
    }

    public void Dispose() => _segments.Dispose();
}

public delegate void ReadOnlySpanAction(ReadOnlySpan<byte> span);

/// <summary>Decides from a record's encoded properties (<c>name\u0001value\u0002…</c>, UTF-8) whether a reader wants it.</summary>
public delegate bool PropertiesFilter(ReadOnlySpan<byte> utf8Properties);

/// <summary>Takes the records a read found valid, in place: the bytes are the mapped log's, held only during the call.</summary>
public interface IRecordSink
{
    /// <summary>False: the reader does not want this record after all, and it counts as filtered.</summary>
    bool Take(ReadOnlySpan<byte> record, in RecordParts parts);
}

public enum ReadOutcome
{
    Ok,
    /// <summary>Not in the log (any more): e.g. retention deleted its segment.</summary>
    Gone,
    /// <summary>The bytes there fail the record checks (framing or CRC): damaged on disk.</summary>
    Corrupt,
    /// <summary>Valid, but the reader's <see cref="PropertiesFilter"/> or <see cref="IRecordSink"/> rejected it (not decoded).</summary>
    Filtered,
}
