namespace Rocket.Store.Queue;

public sealed partial class ConsumeQueue
{
    /// <summary>
    /// Appends the entry of <paramref name="queueOffset"/> (projector thread only). Returns false and writes nothing
    /// when that offset is already in the queue (replay after a crash). A queue that starts mid-way, or an offset
    /// beyond <see cref="MaxOffset"/> (e.g. a transactional message that was never projected), gets fillers in
    /// between so every entry stays at offset * 20.
    /// </summary>
    public bool Put(long queueOffset, long physicalOffset, int size, long tagCode)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (queueOffset < 0 || queueOffset > MaxQueueOffset)
            throw new ArgumentOutOfRangeException(nameof(queueOffset), queueOffset,
                $"queue offset must be between 0 and {MaxQueueOffset}");
        if (physicalOffset < 0)
            throw new ArgumentOutOfRangeException(nameof(physicalOffset), physicalOffset, "physical offset must not be negative");
        if (size <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "message size must be positive");

        long max = _maxOffset; // this thread is the only writer
        if (queueOffset < max) return false;

        // An empty queue starts at the file holding the first offset, not at offset 0.
        bool empty = _file.Last is null;
        long writeFrom = empty ? queueOffset - queueOffset % _entriesPerFile : max;
        try
        {
            WriteFillers(writeFrom, queueOffset);
            WriteSlot(queueOffset, new ConsumeQueueEntry(physicalOffset, size, tagCode));
        }
        catch (StoreException)
        {
            // E.g. no room for a new file: forget the unpublished slots so a retry starts from the same place.
            if (empty) _file.DeleteAll();
            else _file.TruncateFrom(PositionOf(max));
            throw;
        }

        long min = MinOffset == max ? queueOffset : MinOffset; // no real entry yet: this one is the first
        Publish(min, queueOffset + 1, physicalOffset + size);
        return true;
    }

    private void WriteSlot(long queueOffset, ConsumeQueueEntry entry)
    {
        var segment = WritableSegmentAt(queueOffset, out int position);
        entry.WriteTo(segment.Span(position, EntrySize));
        segment.WritePosition = position + EntrySize;
    }

    private void WriteFillers(long from, long until)
    {
        long offset = from;
        while (offset < until)
        {
            var segment = WritableSegmentAt(offset, out int position);
            int count = (int)Math.Min(until - offset, (segment.Size - position) / EntrySize);
            var slots = segment.Span(position, count * EntrySize);
            for (int i = 0; i < count; i++) ConsumeQueueEntry.Filler.WriteTo(slots.Slice(i * EntrySize, EntrySize));
            segment.WritePosition = position + count * EntrySize;
            offset += count;
        }
    }

    /// <summary>The file to append slot <paramref name="queueOffset"/> to, rolling to a new one when the last is full.</summary>
    private Mapped.MappedSegment WritableSegmentAt(long queueOffset, out int position)
    {
        long bytePosition = PositionOf(queueOffset);
        var segment = _file.GetWritable(bytePosition);
        position = segment.WritePosition;
        if (segment.StartOffset + position != bytePosition)
            throw new StoreCorruptException(
                $"consume queue {Topic}/{QueueId} ({_file.Directory}) should append entry {queueOffset} at byte " +
                $"{bytePosition}, but its files end at byte {segment.StartOffset + position}");
        return segment;
    }
}
