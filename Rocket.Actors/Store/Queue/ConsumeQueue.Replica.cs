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

    /// <summary>
    /// The queue offset this queue's next message took when the log ended at <paramref name="logOffset"/>: the first
    /// entry whose message starts at or past it, or <see cref="MaxOffset"/> when there is none (any thread; a master
    /// tells a slave that starts its log there). Binary search over the entries still on disk.
    /// </summary>
    public long NextOffsetAt(long logOffset)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long answer = MaxOffset;
        long low = Math.Max(MinOffset, FirstSlotOnDisk), high = answer;
        while (low < high)
        {
            long middle = low + (high - low) / 2;
            long real = FindRealForward(middle, high, out var entry);
            if (real >= 0 && entry.PhysicalOffset < logOffset) low = real + 1;
            else
            {
                if (real >= 0) answer = real;
                high = middle;
            }
        }
        return answer;
    }

    /// <summary>
    /// An empty queue of a replica whose log starts after all of this queue's messages continues at
    /// <paramref name="next"/> (projector thread): one start marker at <paramref name="next"/> − 1, in the file that
    /// holds it, so a restart loads the same <see cref="MaxOffset"/> and no earlier slot is written.
    /// </summary>
    public void StartAt(long next)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_file.Last is not null || MaxOffset != 0)
            throw new InvalidOperationException($"consume queue {this} is not empty: it cannot start at {next}");
        if (next <= 0) return;
        WriteSlot(next - 1, ConsumeQueueEntry.Start);
        Publish(next, next, 0);
    }
}
