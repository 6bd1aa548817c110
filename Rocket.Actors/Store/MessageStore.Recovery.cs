using Microsoft.Extensions.Logging;
using Rocket.Store.Format;
using Rocket.Store.Log;
using Rocket.Store.Mapped;
using Rocket.Store.Recovery;

namespace Rocket.Store;

/// <summary>What recovery found and did when the store opened.</summary>
public sealed record RecoveryReport(
    bool Abnormal, long ValidatedFrom, long LogEnd, long ProjectedFrom, int RecordsValidated, bool TruncatedInvalidTail, TimeSpan Elapsed)
{
    /// <summary>Damaged ranges in the middle of the log (valid records after them were kept), now filled.</summary>
    public IReadOnlyList<DamagedRange> DamagedRanges { get; init; } = [];

    /// <summary>Bytes cut from the log's tail (torn or corrupt, nothing valid after them), whole later segments included.</summary>
    public long TailBytesCut { get; init; }

    /// <summary>Where this recovery put what it cut or overwrote; null when it touched nothing.</summary>
    public string? QuarantineFolder { get; init; }
}

/// <summary>
/// A damaged log range [<see cref="Start"/>, <see cref="End"/>) that recovery quarantined and filled.
/// <see cref="LostMessages"/> counts the consume-queue entries that pointed into it; it is exact only when
/// <see cref="CountIsExact"/> (the projections had passed the range before the damage was found).
/// </summary>
public sealed record DamagedRange(string SegmentFile, long Start, long End, int LostMessages, bool CountIsExact, string QuarantinedAs)
{
    public long Bytes => End - Start;

    public string LostText => CountIsExact ? $"{LostMessages}" : $"at least {LostMessages} (the consume queues had not reached the whole range; the exact number is unknown)";
}

public sealed partial class MessageStore
{
    private void Recover()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        bool abnormal = File.Exists(Settings.AbortPath);
        var checkpoint = Checkpoint.Read(Settings.CheckpointPath);
        var quarantine = new Quarantine(Settings.Directory, _log, _time);

        CommitLog.Load();
        ConsumeQueues.Load();
        KeyIndex.Load();

        var segments = CommitLog.Segments;
        if (segments.Last is null)
        {
            // No log: projections of nothing are stale leftovers.
            NoteDroppedQueueEntries(quarantine, ConsumeQueues.TruncateByPhysicalOffset(0), "the commit log has no segment");
            KeyIndex.RemoveFilesAfter(-1);
            Recovery = new RecoveryReport(abnormal, 0, 0, 0, 0, false, started.Elapsed) { QuarantineFolder = quarantine.Folder };
            FinishOpen(0, 0);
            return;
        }

        // Validate from the checkpoint: below it the log was flushed and checked before. A cut file cannot be
        // trusted up to the checkpoint, so then its whole segment is validated.
        long validateFrom = Math.Clamp(checkpoint.LogFlushedOffset, CommitLog.MinOffset, segments.Last.EndOffset);
        if (segments.ShortTailOffset is { } shortTail && validateFrom > shortTail)
            validateFrom = Math.Max(CommitLog.MinOffset, shortTail - shortTail % CommitLog.SegmentSize);

        int validated = 0;
        long lastTimestamp = checkpoint.LastStoreTimestamp;
        long projectedEnd = ConsumeQueues.MaxPhysicalEnd; // how far the queues got before this start
        var filled = new List<(string File, long Start, long End, string Saved)>();
        long offset = validateFrom, end, tailCut = 0;
        while (true)
        {
            end = CommitLog.Scan(offset, long.MaxValue, Settings.CheckCrcOnRecover,
                (_, record) =>
                {
                    validated++;
                    lastTimestamp = Math.Max(lastTimestamp, MessageRecord.ReadStoreTimestamp(record));
                    return true;
                }, out bool hitInvalid);
            if (!hitInvalid || IsCleanEnd(end)) break;
            // An invalid record with a valid one somewhere after it is damage in the middle, not a torn tail: keep
            // everything after it (resynchronise), fill the damaged bytes and scan on (the filler is skipped).
            long resume = FindNextValidRecord(end + 1);
            if (resume < 0) break;
            filled.AddRange(FillDamage(end, resume, quarantine));
            offset = end;
        }
        tailCut = QuarantineTail(end, quarantine);
        segments.TruncateFrom(end);
        segments.ForceRange(validateFrom, end); // what we keep is now on disk, so the checkpoint can say so
        CommitLog.SetFlushed(end);
        if (tailCut > 0)
            _log.LogWarning("Recovery cut the commit log at offset {Offset}: {Bytes} bytes after it are a torn or corrupt tail with no valid record after them (quarantined in {Folder})",
                end, tailCut, quarantine.Folder);

        NoteDroppedQueueEntries(quarantine, ConsumeQueues.TruncateByPhysicalOffset(end), $"their messages were beyond the recovered log end {end}");
        var damaged = filled.Select(range => ReportDamage(range, projectedEnd)).ToList(); // after the cut: lost markers stay
        ConsumeQueues.DeleteExpiredFiles(CommitLog.MinOffset); // restores min offsets that retention had raised
        long projectFrom = Math.Min(checkpoint.ProjectionSafeOffset, end);
        if (damaged.Count > 0) projectFrom = Math.Min(projectFrom, damaged[0].Start); // no index entry may point at filled bytes
        if (abnormal || damaged.Count > 0 || KeyIndex.EndPhysicalOffset >= end)
            projectFrom = Math.Min(projectFrom, KeyIndex.RemoveFilesAfter(projectFrom));
        projectFrom = Math.Max(projectFrom, CommitLog.MinOffset);

        Volatile.Write(ref _projectedOffset, projectFrom);
        Project(end, countAppended: false);

        Recovery = new RecoveryReport(abnormal, validateFrom, end, projectFrom, validated, tailCut > 0, started.Elapsed)
        {
            DamagedRanges = damaged, TailBytesCut = tailCut, QuarantineFolder = quarantine.Folder,
        };
        _log.LogInformation(
            "Store {Dir} recovered ({Kind}): log end {End}, validated {Records} records from {From}, re-projected from {ProjectFrom} in {Ms} ms; {Damaged} damaged ranges kept out, {TailCut} tail bytes cut",
            Settings.Directory, abnormal ? "after a crash" : "after a clean shutdown", end, validated, validateFrom, projectFrom,
            started.ElapsedMilliseconds, damaged.Count, tailCut);
        FinishOpen(end, lastTimestamp);
    }

    /// <summary>Only zeros follow <paramref name="offset"/> and no segment comes after its own: the normal end of the log.</summary>
    private bool IsCleanEnd(long offset)
    {
        var segment = CommitLog.Segments.Find(offset);
        if (segment is null || segment != CommitLog.Segments.Last) return false;
        int position = (int)(offset - segment.StartOffset);
        return segment.ReadOnlySpan(position, segment.Size - position).IndexOfAnyExcept((byte)0) < 0;
    }

    /// <summary>First log offset at or after <paramref name="from"/> where a valid record (or a segment's blank end) starts; -1 if none.</summary>
    private long FindNextValidRecord(long from)
    {
        foreach (var segment in CommitLog.Segments.Segments)
        {
            if (segment.EndOffset <= from) continue;
            int start = (int)Math.Max(0, from - segment.StartOffset);
            int found = RecordSearch.FindNextValid(segment.ReadOnlySpan(0, segment.Size), segment.StartOffset, start);
            if (found >= 0) return segment.StartOffset + found;
        }
        return -1;
    }

    /// <summary>
    /// Quarantines and fills [<paramref name="from"/>, <paramref name="to"/>), one range per segment it touches.
    /// </summary>
    private List<(string File, long Start, long End, string Saved)> FillDamage(long from, long to, Quarantine quarantine)
    {
        var ranges = new List<(string, long, long, string)>();
        for (long start = from; start < to;)
        {
            var segment = CommitLog.Segments.Find(start)
                          ?? throw new StoreCorruptException($"commit-log offset {start} is in no segment during recovery");
            long end = Math.Min(to, segment.EndOffset);
            int position = (int)(start - segment.StartOffset), length = (int)(end - start);
            if (length < MessageRecord.BlankSize)
                throw new StoreCorruptException(
                    $"commit-log range [{start}, {end}) in {segment.FilePath} is damaged but only {length} bytes long; a record needs at least {MessageRecord.BlankSize}: the segment is not a Rocket log");
            if (start == CommitLog.MinOffset && segment.ReadOnlySpan(position, length).IndexOfAnyExcept((byte)0) < 0)
            {
                // Never written: the log resumed mid-segment after every file had been deleted. Not damage.
                MessageRecord.WriteDamagedFiller(segment.Span(position, length));
                segment.SyncRange(position, length);
                _log.LogInformation("Recovery filled the unwritten start [{Start}, {End}) of {File} (the log resumed there)", start, end, segment.FilePath);
                start = end;
                continue;
            }
            string reason = $"damaged log range [{start}, {end}) in the middle of the log: valid records follow it";
            string saved = quarantine.SaveBytes(segment.FilePath, start, segment.ReadOnlySpan(position, length), reason);
            MessageRecord.WriteDamagedFiller(segment.Span(position, length));
            segment.SyncRange(position, length);
            ranges.Add((segment.FilePath, start, end, saved));
            start = end;
        }
        return ranges;
    }

    /// <summary>
    /// Turns the consume-queue entries pointing into a filled range into lost-message markers and logs the range with
    /// its bytes and how many messages it held (exact when the projections had passed it before the damage was found).
    /// </summary>
    private DamagedRange ReportDamage((string File, long Start, long End, string Saved) filled, long projectedEnd)
    {
        var replaced = ConsumeQueues.ReplaceEntriesInRange(filled.Start, filled.End);
        var range = new DamagedRange(filled.File, filled.Start, filled.End, replaced.Sum(r => r.Offsets.Count), projectedEnd >= filled.End, filled.Saved);
        _log.LogError(
            "Recovery found damaged commit-log bytes [{Start}, {End}) ({Bytes} bytes) in {File}, with valid records after them: kept every record after the damage; messages lost: {Lost}; queue entries dropped: {Entries}; the bytes are quarantined in {Saved}",
            range.Start, range.End, range.Bytes, range.SegmentFile, range.LostText,
            replaced.Count == 0 ? "none" : string.Join(", ", replaced.Select(r => $"{r.Queue.Topic}/{r.Queue.QueueId} offsets {string.Join(' ', r.Offsets)}")),
            range.QuarantinedAs);
        return range;
    }

    /// <summary>
    /// Before the log is cut at <paramref name="end"/>: copies the non-zero bytes after it in its segment and moves every
    /// later segment that holds data into the quarantine. Returns how many bytes are cut (0 when only zeros follow).
    /// </summary>
    private long QuarantineTail(long end, Quarantine quarantine)
    {
        long cut = 0;
        foreach (var segment in CommitLog.Segments.Segments)
        {
            if (segment.EndOffset <= end) continue;
            string reason = $"torn or corrupt tail: no valid record after log offset {end}";
            if (segment.StartOffset >= end && !(segment.StartOffset == end && segment == CommitLog.Segments.First))
            {
                var all = segment.ReadOnlySpan(0, segment.Size);
                int last = all.LastIndexOfAnyExcept((byte)0);
                if (last < 0)
                {
                    _log.LogInformation("Recovery removes the empty commit-log segment {File} after the log end {End}", segment.FilePath, end);
                    continue;
                }
                quarantine.MoveFile(segment.FilePath, segment.StartOffset, segment.Size, reason); // TruncateFrom then finds nothing to delete
                cut += last + 1;
                continue;
            }
            int position = (int)(end - segment.StartOffset);
            var rest = segment.ReadOnlySpan(position, segment.Size - position);
            int lastByte = rest.LastIndexOfAnyExcept((byte)0);
            if (lastByte < 0) continue;
            quarantine.SaveBytes(segment.FilePath, end, rest[..(lastByte + 1)], reason);
            cut += lastByte + 1;
        }
        return cut;
    }

    private void NoteDroppedQueueEntries(Quarantine quarantine, IReadOnlyList<(Queue.ConsumeQueue Queue, long From, long To)> dropped, string why)
    {
        foreach (var (queue, from, to) in dropped)
        {
            quarantine.Note($"consumequeue/{queue.Topic}/{queue.QueueId}", from, to - from,
                $"queue offsets [{from}, {to}) dropped (entries and fillers): {why}");
        }
    }

    private void FinishOpen(long end, long lastTimestamp)
    {
        CommitLog.ResumeAt(end);
        foreach (var queue in ConsumeQueues.All)
            _queueOffsets.Set(queue.Topic, queue.QueueId, queue.MaxOffset);
        _lastStoreTimestamp = lastTimestamp;

        FlushProjections(thorough: true); // what recovery re-projected is on disk before the checkpoint says so
        File.WriteAllBytes(Settings.AbortPath, []);
    }
}
