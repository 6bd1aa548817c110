using System.Buffers.Binary;
using System.IO.Hashing;
using Rocket.Store.Recovery;

namespace Rocket.Broker.Timer;

/// <summary>
/// The timer's durable progress, <c>{store}/timer/checkpoint</c> (RocketMQ: config/timercheck):
/// <see cref="EnqueueOffset"/>, the next offset of the timer topic's consume queue not yet in the timer log (every
/// earlier one is, flushed); <see cref="DequeuedSlot"/>, the first wheel slot not known to be delivered (every timer
/// of an earlier slot was appended to its real topic and acknowledged). Written atomically (temp file, fsync,
/// rename) with a CRC; a missing or damaged file reads as "nothing done", which re-reads the whole timer queue
/// (duplicates, never a loss).
/// </summary>
public sealed record TimerCheckpoint(long EnqueueOffset, long DequeuedSlot)
{
    private const int Magic = 0x4B435254; // "TRCK"
    private const int Size = 4 + 8 + 8 + 4;

    public static readonly TimerCheckpoint Empty = new(0, 0);

    public static TimerCheckpoint Read(string path, out string? problem)
    {
        problem = null;
        if (!File.Exists(path)) return Empty;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { problem = $"cannot read {path}: {e.Message}"; return Empty; }
        var span = bytes.AsSpan();
        if (span.Length != Size || BinaryPrimitives.ReadInt32LittleEndian(span) != Magic
            || Crc32.HashToUInt32(span[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(span[^4..]))
        {
            problem = $"{path} is damaged ({span.Length} bytes)";
            return Empty;
        }
        return new TimerCheckpoint(BinaryPrimitives.ReadInt64LittleEndian(span[4..]), BinaryPrimitives.ReadInt64LittleEndian(span[12..]));
    }

    public void Write(string path)
    {
        Span<byte> span = stackalloc byte[Size];
        BinaryPrimitives.WriteInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(span[4..], EnqueueOffset);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], DequeuedSlot);
        BinaryPrimitives.WriteUInt32LittleEndian(span[^4..], Crc32.HashToUInt32(span[..^4]));
        AtomicFile.Write(path, span);
    }
}
