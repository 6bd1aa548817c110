using System.Buffers.Binary;
using System.IO.Hashing;

namespace Rocket.Broker.Timer;

/// <summary>
/// One pending timer in the timer log: when it is due, which wheel slot it waits in, and where its parked message
/// is in the commit log. Fixed size, little-endian:
/// <code>
/// 0  magic        4   "TMR1"
/// 4  crc32        4   of bytes 8..40 (not of the link, which is rewritten in place)
/// 8  due ms       8   epoch ms, also the message's TIMER_OUT_MS
/// 16 slot         8   absolute slot (epoch ms / precision), or later for a timer enqueued after its slot was taken
/// 24 log offset   8   physical offset of the parked message in the commit log
/// 32 size         4   its record size
/// 36 reserved     4   zero
/// 40 link         8   position + 1 of the previous record in the same wheel slot, 0 = none (derived, rebuilt at start)
/// </code>
/// </summary>
public readonly record struct TimerRecord(long DueMs, long Slot, long LogOffset, int Size)
{
    public const int Length = 48;
    private const int Magic = 0x31524D54; // "TMR1"
    private const int LinkOffset = 40;

    public void Write(Span<byte> target, long link)
    {
        BinaryPrimitives.WriteInt32LittleEndian(target, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(target[8..], DueMs);
        BinaryPrimitives.WriteInt64LittleEndian(target[16..], Slot);
        BinaryPrimitives.WriteInt64LittleEndian(target[24..], LogOffset);
        BinaryPrimitives.WriteInt32LittleEndian(target[32..], Size);
        BinaryPrimitives.WriteInt32LittleEndian(target[36..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(target[4..], Crc32.HashToUInt32(target[8..LinkOffset]));
        WriteLink(target, link);
    }

    /// <summary>Reads a record; false for anything that is not a whole, intact one (zeros, a torn write, damage).</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out TimerRecord record)
    {
        record = default;
        if (source.Length < Length || BinaryPrimitives.ReadInt32LittleEndian(source) != Magic) return false;
        if (Crc32.HashToUInt32(source[8..LinkOffset]) != BinaryPrimitives.ReadUInt32LittleEndian(source[4..])) return false;
        int size = BinaryPrimitives.ReadInt32LittleEndian(source[32..]);
        long logOffset = BinaryPrimitives.ReadInt64LittleEndian(source[24..]);
        if (size <= 0 || logOffset < 0) return false;
        record = new TimerRecord(BinaryPrimitives.ReadInt64LittleEndian(source[8..]), BinaryPrimitives.ReadInt64LittleEndian(source[16..]), logOffset, size);
        return true;
    }

    public static long ReadLink(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadInt64LittleEndian(source[LinkOffset..]);
    public static void WriteLink(Span<byte> target, long link) => BinaryPrimitives.WriteInt64LittleEndian(target[LinkOffset..], link);
}
