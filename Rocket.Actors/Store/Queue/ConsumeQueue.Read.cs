namespace Rocket.Store.Queue;

public sealed partial class ConsumeQueue
{
    /// <summary>The entry at <paramref name="queueOffset"/> (a filler has Size 0). Any thread.</summary>
    public bool TryGet(long queueOffset, out ConsumeQueueEntry entry)
    {
        entry = default;
        return Read(queueOffset, new Span<ConsumeQueueEntry>(ref entry)) == 1;
    }

    /// <summary>
    /// Copies consecutive entries starting at <paramref name="queueOffset"/>, across files, and returns how many
    /// (0 outside [<see cref="MinOffset"/>, <see cref="MaxOffset"/>)). Fillers come back with Size 0 for the caller
    /// to skip. Any thread; a file deleted by retention meanwhile just ends the copy.
    /// </summary>
    public int Read(long queueOffset, Span<ConsumeQueueEntry> destination)
    {
        long min = MinOffset, max = MaxOffset; // bytes below max are complete: max is published after them
        if (queueOffset < min || queueOffset >= max || destination.IsEmpty) return 0;
        int wanted = (int)Math.Min(destination.Length, max - queueOffset);
        int copied = 0;
        while (copied < wanted)
        {
            long position = PositionOf(queueOffset + copied);
            var segment = _file.Find(position);
            if (segment is null || !segment.TryRetain()) break;
            try
            {
                int at = (int)(position - segment.StartOffset);
                int count = Math.Min(wanted - copied, (segment.Size - at) / EntrySize);
                var slots = segment.ReadOnlySpan(at, count * EntrySize);
                for (int i = 0; i < count; i++)
                    destination[copied + i] = ConsumeQueueEntry.ReadFrom(slots.Slice(i * EntrySize, EntrySize));
                copied += count;
            }
            finally
            {
                segment.Release();
            }
        }
        return copied;
    }

    /// <summary>
    /// First queue offset whose message was stored at or after <paramref name="timestamp"/>: <see cref="MaxOffset"/>
    /// when every message is older, <see cref="MinOffset"/> when all are newer. A binary search, so
    /// <paramref name="storeTimestampOf"/> (physical offset, size → store timestamp, or -1 when the message is no
    /// longer readable, which counts as older) is called O(log n) times. Fillers are stepped over without a call.
    /// </summary>
    public long FindOffsetByTime(long timestamp, Func<long, int, long> storeTimestampOf)
    {
        ArgumentNullException.ThrowIfNull(storeTimestampOf);
        long low = MinOffset, high = MaxOffset, found = high;
        Span<ConsumeQueueEntry> window = stackalloc ConsumeQueueEntry[32];
        while (low < high)
        {
            long mid = low + (high - low) / 2;
            var probe = FirstRealInRange(mid, high, window, out var entry);
            if (probe == RangeProbe.OnlyFillers)
            {
                high = mid; // nothing to find in [mid, high)
                continue;
            }
            long stored = probe == RangeProbe.Found ? storeTimestampOf(entry.PhysicalOffset, entry.Size) : -1;
            if (stored != -1 && stored >= timestamp)
            {
                found = mid + entry.QueueDistance;
                high = mid; // [mid, found) are fillers, so an earlier match must lie below mid
            }
            else
            {
                low = mid + entry.QueueDistance + 1;
            }
        }
        return found;
    }

    private enum RangeProbe { Found, OnlyFillers, Unreadable }

    /// <summary>An entry found by <see cref="FirstRealInRange"/> and how far past the probe start it is.</summary>
    private readonly record struct ProbedEntry(long PhysicalOffset, int Size, long QueueDistance);

    private RangeProbe FirstRealInRange(long from, long until, Span<ConsumeQueueEntry> window, out ProbedEntry found)
    {
        long offset = from;
        while (offset < until)
        {
            int count = Read(offset, window[..(int)Math.Min(window.Length, until - offset)]);
            if (count == 0)
            {
                found = new ProbedEntry(-1, 0, offset - from); // deleted by retention meanwhile: older than anything
                return RangeProbe.Unreadable;
            }
            for (int i = 0; i < count; i++)
            {
                if (!window[i].IsReal) continue;
                found = new ProbedEntry(window[i].PhysicalOffset, window[i].Size, offset + i - from);
                return RangeProbe.Found;
            }
            offset += count;
        }
        found = default;
        return RangeProbe.OnlyFillers;
    }
}
