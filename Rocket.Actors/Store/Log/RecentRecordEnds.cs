namespace Rocket.Store.Log;

/// <summary>
/// The ends of the last few appends (each a record boundary), written by the log's single writer and read by the
/// flusher. An asynchronous flush stops at a page boundary, usually inside a record, and must record the end of the
/// last whole record below it; starting that search at the nearest recent append end reads a record or two, where
/// starting at the previous flushed offset read every record written since (cold, every flush interval).
/// </summary>
internal sealed class RecentRecordEnds
{
    private const int Capacity = 64; // a power of two
    private readonly long[] _ends = new long[Capacity];
    private int _next; // the writer's only

    /// <summary>Writer only: <paramref name="end"/> is where the append just published ends.</summary>
    public void Add(long end)
    {
        Volatile.Write(ref _ends[_next], end);
        _next = (_next + 1) & (Capacity - 1);
    }

    /// <summary>
    /// The greatest recent end in (<paramref name="floor"/>, <paramref name="offset"/>], else <paramref name="floor"/>.
    /// Any thread; a value being overwritten meanwhile is still a genuine end, old or new.
    /// </summary>
    public long GreatestAtOrBelow(long offset, long floor)
    {
        long best = floor;
        for (int i = 0; i < Capacity; i++)
        {
            long end = Volatile.Read(ref _ends[i]);
            if (end <= offset && end > best) best = end;
        }
        return best;
    }

    /// <summary>Forgets every end: the log was cut, so an old end may lie inside a record written after the cut.</summary>
    public void Clear()
    {
        for (int i = 0; i < Capacity; i++) Volatile.Write(ref _ends[i], 0);
    }
}
