using System.Buffers.Binary;

namespace Rocket.Store.Queue;

/// <summary>
/// One consume-queue slot: where a message sits in the commit log and its tag hash. A slot with
/// <see cref="Size"/> 0 is a filler (or an unwritten hole) that callers skip.
/// </summary>
public readonly record struct ConsumeQueueEntry(long PhysicalOffset, int Size, long TagCode)
{
    /// <summary>Stands for a queue offset that has no message (queue started mid-way, or a gap).</summary>
    internal static ConsumeQueueEntry Filler => new(-1, 0, 0);

    /// <summary>
    /// Stands for a message recovery found damaged in the log: readers skip it like a filler, but a later recovery
    /// never drops it from the tail, so the queue's offsets never go back below it.
    /// </summary>
    internal static ConsumeQueueEntry Lost => new(LostMarker, 0, 0);

    private const long LostMarker = -2;

    /// <summary>
    /// Stands for the offset just below where a replica's queue starts (its log was started at its master's oldest
    /// byte, after every message of this queue): readers never see it, and recovery never drops it from the tail,
    /// so the queue continues at the master's offsets.
    /// </summary>
    internal static ConsumeQueueEntry Start => new(StartMarker, 0, 0);

    private const long StartMarker = -3;

    internal bool IsReal => Size > 0;

    internal bool IsLost => Size == 0 && PhysicalOffset == LostMarker;

    internal bool IsStart => Size == 0 && PhysicalOffset == StartMarker;

    /// <summary>Commit-log offset one past this message.</summary>
    internal long PhysicalEnd => PhysicalOffset + Size;

    /// <summary>Decodes 20 little-endian bytes; anything without a positive size comes back as <see cref="Filler"/>.</summary>
    internal static ConsumeQueueEntry ReadFrom(ReadOnlySpan<byte> slot)
    {
        int size = BinaryPrimitives.ReadInt32LittleEndian(slot[8..]);
        if (size <= 0)
            return BinaryPrimitives.ReadInt64LittleEndian(slot) switch { LostMarker => Lost, StartMarker => Start, _ => Filler };
        return new(BinaryPrimitives.ReadInt64LittleEndian(slot), size, BinaryPrimitives.ReadInt64LittleEndian(slot[12..]));
    }

    internal void WriteTo(Span<byte> slot)
    {
        BinaryPrimitives.WriteInt64LittleEndian(slot, PhysicalOffset);
        BinaryPrimitives.WriteInt32LittleEndian(slot[8..], Size);
        BinaryPrimitives.WriteInt64LittleEndian(slot[12..], TagCode);
    }
}
