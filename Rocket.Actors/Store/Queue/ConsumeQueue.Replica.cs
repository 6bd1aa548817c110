namespace Rocket.Store.Queue;

public sealed partial class ConsumeQueue
{
    /// <summary>
    /// A replica's log is cut at <paramref name="logOffset"/> (a record boundary): drops every entry whose message is at
    /// or past it (projector thread) and returns the queue offset the next message of this queue takes: the first
    /// dropped entry's, or <see cref="MaxOffset"/> when nothing was dropped. Walks back from the tail, so the cost
    /// follows what is dropped.
    /// </summary>
    public long TruncateAtLogOffset(long logOffset)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long next = MaxOffset;
        for (long offset = MaxOffset - 1, floor = FirstSlotOnDisk; offset >= floor; offset--)
        {
            if (!TryReadSlot(offset, out var entry) || !entry.IsReal) continue;
            if (entry.PhysicalOffset < logOffset) break;
            next = offset;
        }
        if (next < MaxOffset) TruncateByPhysicalOffset(logOffset);
        return next;
    }
}
