using System.Buffers.Binary;
using System.IO.Hashing;

namespace Rocket.Store.Recovery;

/// <summary>
/// What is known to be on disk: the flushed end of the commit log and the log offset up to which consume queues and
/// the key index were flushed. Crash recovery validates the log only from here, so its cost follows the data written
/// since the last checkpoint, not the size of the log. Written atomically (temp file, fsync, rename) with a CRC.
/// </summary>
public sealed record Checkpoint(long LogFlushedOffset, long ProjectionSafeOffset, long LastStoreTimestamp)
{
    private const int Magic = 0x524B4350; // "RKCP"
    private const int Size = 4 + 8 + 8 + 8 + 4;

    public static readonly Checkpoint Empty = new(0, 0, 0);

    /// <summary>Reads the checkpoint; a missing or damaged file yields <see cref="Empty"/> (recovery then scans from the start).</summary>
    public static Checkpoint Read(string path)
    {
        if (!File.Exists(path)) return Empty;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException) { return Empty; }
        if (bytes.Length < Size) return Empty;
        var span = bytes.AsSpan(0, Size);
        if (BinaryPrimitives.ReadInt32LittleEndian(span) != Magic) return Empty;
        if (Crc32.HashToUInt32(span[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(span[^4..])) return Empty;
        return new Checkpoint(
            BinaryPrimitives.ReadInt64LittleEndian(span[4..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[12..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[20..]));
    }

    public void Write(string path)
    {
        Span<byte> span = stackalloc byte[Size];
        BinaryPrimitives.WriteInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(span[4..], LogFlushedOffset);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], ProjectionSafeOffset);
        BinaryPrimitives.WriteInt64LittleEndian(span[20..], LastStoreTimestamp);
        BinaryPrimitives.WriteUInt32LittleEndian(span[^4..], Crc32.HashToUInt32(span[..^4]));
        AtomicFile.Write(path, span);
    }
}
