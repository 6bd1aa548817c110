using Rocket.Store.Mapped;

namespace Rocket.Store.Queue;

public sealed partial class ConsumeQueue
{
    /// <summary>
    /// Recovery after the commit log was cut at <paramref name="commitLogEnd"/>: drops the trailing entries whose
    /// message does not end within it (and the fillers that only led up to them), zeroing their bytes on disk and
    /// deleting files left empty. Walks back from the tail, so the cost follows what is dropped.
    /// </summary>
    /// <returns>The dropped queue offsets [from, to) (fillers included); empty when nothing was dropped.</returns>
    public (long From, long To) TruncateByPhysicalOffset(long commitLogEnd)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (commitLogEnd < 0)
            throw new ArgumentOutOfRangeException(nameof(commitLogEnd), commitLogEnd, "commit log end must not be negative");
        long max = MaxOffset;
        long keep = max; // entries below keep survive
        long floor = FirstSlotOnDisk;
        long keptEnd = 0;
        while (keep > floor)
        {
            if (TryReadSlot(keep - 1, out var entry) && entry.IsReal && entry.PhysicalEnd <= commitLogEnd)
            {
                keptEnd = entry.PhysicalEnd;
                break;
            }
            if (entry.IsLost || entry.IsStart)
            {
                keptEnd = Math.Min(MaxPhysicalEnd, commitLogEnd); // a lost one's range was filled inside the log that stays
                break;
            }
            keep--;
        }
        if (keep == max) return (max, max);

        if (keep == floor)
        {
            _file.DeleteAll(); // no real entry survives
            Publish(0, 0, 0);
            return (floor, max);
        }
        _file.TruncateFrom(PositionOf(keep)); // zeroes the cut slots and flushes, so a later Load cannot see them
        Publish(Math.Min(MinOffset, keep), keep, keptEnd);
        return (keep, max);
    }

    /// <summary>
    /// Recovery found the log range [<paramref name="physicalFrom"/>, <paramref name="physicalTo"/>) damaged: every
    /// entry pointing into it becomes a lost-message marker on disk (a filler that keeps its queue offset), so no
    /// reader is sent to damaged bytes. Entries grow with the
    /// log along the queue, so this walks back from the tail and stops at the first real entry below the range.
    /// Returns the queue offsets replaced, lowest first.
    /// </summary>
    public List<long> ReplaceEntriesInRange(long physicalFrom, long physicalTo)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var replaced = new List<long>();
        for (long offset = MaxOffset - 1, floor = FirstSlotOnDisk; offset >= floor; offset--)
        {
            if (!TryReadSlot(offset, out var entry) || !entry.IsReal || entry.PhysicalOffset >= physicalTo) continue;
            if (entry.PhysicalOffset < physicalFrom) break;
            long position = PositionOf(offset);
            var segment = _file.Find(position)!; // TryReadSlot just found it; recovery runs alone
            int at = (int)(position - segment.StartOffset);
            ConsumeQueueEntry.Lost.WriteTo(segment.Span(at, EntrySize));
            segment.SyncRange(at, EntrySize);
            replaced.Add(offset);
        }
        replaced.Reverse();
        return replaced;
    }

    /// <summary>
    /// Retention after the commit log now starts at <paramref name="commitLogMinOffset"/> (projector thread): deletes
    /// the oldest files whose messages all lie below it, never the last file, then moves <see cref="MinOffset"/> past
    /// entries whose message is gone. Returns how many files were deleted.
    /// </summary>
    public int DeleteExpiredFiles(long commitLogMinOffset)
    {
        var detached = new List<MappedSegment>();
        DetachExpiredFiles(commitLogMinOffset, detached);
        foreach (var file in detached) file.Destroy(deleteFile: true);
        return detached.Count;
    }

    /// <summary>
    /// <see cref="DeleteExpiredFiles"/> without the deletion: the files leave the queue (readers move past them) and
    /// are added to <paramref name="detached"/>, for the caller to destroy off the projector's thread.
    /// </summary>
    public void DetachExpiredFiles(long commitLogMinOffset, List<MappedSegment> detached)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (_file.Segments is { Count: > 1 } segments && AllMessagesBelow(segments[0], commitLogMinOffset))
        {
            // Move readers off the file before it goes; the exact minimum is settled below.
            long nextFileStart = segments[0].EndOffset / EntrySize;
            Volatile.Write(ref _minOffset, Math.Max(MinOffset, Math.Min(nextFileStart, MaxOffset)));
            _file.DetachFirst(out var file);
            detached.Add(file!);
        }
        AdvanceMinOffsetPast(commitLogMinOffset);
    }

    /// <summary>Whether the file's last real entry (offsets grow along the queue) ends at or below the log start.</summary>
    private bool AllMessagesBelow(Mapped.MappedSegment segment, long commitLogMinOffset)
    {
        long first = segment.StartOffset / EntrySize;
        long end = segment.EndOffset / EntrySize;
        return FindRealBackward(end, first, out var lastReal) < 0 || lastReal.PhysicalEnd <= commitLogMinOffset;
    }

    /// <summary>MinOffset becomes the first real entry whose message still starts inside the commit log.</summary>
    private void AdvanceMinOffsetPast(long commitLogMinOffset)
    {
        long max = MaxOffset;
        long offset = Math.Max(MinOffset, FirstSlotOnDisk);
        while (offset < max)
        {
            offset = FindRealForward(offset, max, out var entry);
            if (offset < 0) { offset = max; break; }
            if (entry.PhysicalOffset >= commitLogMinOffset) break;
            offset++;
        }
        if (offset > MinOffset) Volatile.Write(ref _minOffset, offset);
    }
}
