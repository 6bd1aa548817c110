using Microsoft.Extensions.Logging;
using Rocket.Store.Recovery;

namespace Rocket.Store;

/// <summary>What recovery found and did when the store opened.</summary>
public sealed record RecoveryReport(
    bool Abnormal, long ValidatedFrom, long LogEnd, long ProjectedFrom, int RecordsValidated, bool TruncatedInvalidTail, TimeSpan Elapsed);

public sealed partial class MessageStore
{
    private void Recover()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        bool abnormal = File.Exists(Settings.AbortPath);
        var checkpoint = Checkpoint.Read(Settings.CheckpointPath);

        CommitLog.Load();
        ConsumeQueues.Load();
        KeyIndex.Load();

        var segments = CommitLog.Segments;
        if (segments.Last is null)
        {
            // No log: projections of nothing are stale leftovers.
            ConsumeQueues.TruncateByPhysicalOffset(0);
            KeyIndex.RemoveFilesAfter(-1);
            Recovery = new RecoveryReport(abnormal, 0, 0, 0, 0, false, started.Elapsed);
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
        long end = CommitLog.Scan(validateFrom, long.MaxValue, Settings.CheckCrcOnRecover,
            (_, record) =>
            {
                validated++;
                lastTimestamp = Math.Max(lastTimestamp, Format.MessageRecord.ReadStoreTimestamp(record));
                return true;
            }, out bool hitInvalid);
        bool truncated = hitInvalid && HasBytesAfter(end);
        segments.TruncateFrom(end);
        segments.ForceRange(validateFrom, end); // what we keep is now on disk, so the checkpoint can say so
        CommitLog.SetFlushed(end);
        if (truncated)
            _log.LogWarning("Recovery cut the commit log at offset {Offset}: the record there is torn or corrupt", end);

        ConsumeQueues.TruncateByPhysicalOffset(end);
        ConsumeQueues.DeleteExpiredFiles(CommitLog.MinOffset); // restores min offsets that retention had raised
        long projectFrom = Math.Min(checkpoint.ProjectionSafeOffset, end);
        if (abnormal || KeyIndex.EndPhysicalOffset >= end)
            projectFrom = Math.Min(projectFrom, KeyIndex.RemoveFilesAfter(projectFrom));
        projectFrom = Math.Max(projectFrom, CommitLog.MinOffset);

        Volatile.Write(ref _projectedOffset, projectFrom);
        Project(end);

        Recovery = new RecoveryReport(abnormal, validateFrom, end, projectFrom, validated, truncated, started.Elapsed);
        _log.LogInformation(
            "Store {Dir} recovered ({Kind}): log end {End}, validated {Records} records from {From}, re-projected from {ProjectFrom} in {Ms} ms",
            Settings.Directory, abnormal ? "after a crash" : "after a clean shutdown", end, validated, validateFrom, projectFrom,
            started.ElapsedMilliseconds);
        FinishOpen(end, lastTimestamp);
    }

    /// <summary>Whether any non-zero byte follows <paramref name="offset"/> in its segment: a cut, not just the end.</summary>
    private bool HasBytesAfter(long offset)
    {
        var segment = CommitLog.Segments.Find(offset);
        if (segment is null) return CommitLog.Segments.Last is { } last && last.EndOffset > offset;
        int position = (int)(offset - segment.StartOffset);
        return segment.ReadOnlySpan(position, segment.Size - position).IndexOfAnyExcept((byte)0) >= 0;
    }

    private void FinishOpen(long end, long lastTimestamp)
    {
        CommitLog.ResumeAt(end);
        CommitLog.Segments.PrefaultTail();
        foreach (var queue in ConsumeQueues.All)
            _queueOffsets.Set(queue.Topic, queue.QueueId, queue.MaxOffset);
        _lastStoreTimestamp = lastTimestamp;

        FlushProjections(thorough: true); // what recovery re-projected is on disk before the checkpoint says so
        File.WriteAllBytes(Settings.AbortPath, []);
    }
}
