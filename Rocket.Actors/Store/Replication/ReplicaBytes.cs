using System.Buffers.Binary;
using System.IO.Hashing;
using Rocket.Store.Format;

namespace Rocket.Store.Replication;

/// <summary>
/// Checks a chunk of commit-log bytes a slave is about to append at <c>start</c>: within one segment, made of whole
/// records (each with sane framing, its own physical-offset field equal to where it lands, and a matching CRC),
/// damaged-range fillers a master's recovery wrote (all zero after their header), and at most one blank marker,
/// last, with the zeros after it up to exactly the segment's end (the master sends them, so both segments end alike). Nothing is written before the whole chunk passes.
/// </summary>
public static class ReplicaBytes
{
    /// <summary>Why the chunk cannot be appended (naming the offset and the problem), or null when it can.</summary>
    /// <param name="endsSegment">The chunk ends with the segment's blank marker: the segment is complete after it.</param>
    public static string? Problem(ReadOnlySpan<byte> bytes, long start, int segmentSize, out bool endsSegment)
    {
        endsSegment = false;
        if (bytes.IsEmpty) return $"the chunk at offset {start} is empty";
        long segmentEnd = start - start % segmentSize + segmentSize;
        if (start + bytes.Length > segmentEnd)
            return $"the chunk [{start}, {start + bytes.Length}) crosses the segment end {segmentEnd}: records never span two segments";
        int p = 0;
        while (p < bytes.Length)
        {
            long offset = start + p;
            var rest = bytes[p..];
            if (rest.Length < MessageRecord.BlankSize)
                return $"torn record at offset {offset}: only {rest.Length} bytes left in the chunk, a record header needs {MessageRecord.BlankSize}";
            int size = MessageRecord.ReadTotalSize(rest);
            int magic = MessageRecord.ReadMagic(rest);
            if (magic == MessageRecord.BlankMagic)
            {
                if (size != segmentEnd - offset)
                    return $"blank marker at offset {offset} says {size} bytes, but the segment ends {segmentEnd - offset} bytes later";
                if (rest.Length != size)
                    return $"the blank marker at offset {offset} ends the segment {size} bytes later, but the chunk holds {rest.Length} bytes from it";
                if (rest[MessageRecord.BlankSize..].ContainsAnyExcept((byte)0))
                    return $"the blank marker at offset {offset} is followed by non-zero bytes before the segment's end";
                endsSegment = true;
                return null;
            }
            if (magic == MessageRecord.DamagedMagic)
            {
                if (size < MessageRecord.BlankSize || size > rest.Length)
                    return $"damaged-range filler at offset {offset} says {size} bytes, but {rest.Length} are left in the chunk";
                if (rest.Slice(MessageRecord.BlankSize, size - MessageRecord.BlankSize).ContainsAnyExcept((byte)0))
                    return $"damaged-range filler at offset {offset} ({size} bytes) holds non-zero bytes after its header";
                p += size;
                continue;
            }
            if (magic != MessageRecord.Magic)
                return $"no record at offset {offset}: magic 0x{magic:X8} is neither a record, a blank marker nor a filler";
            if (size < MessageRecord.FixedOverhead || size > rest.Length)
                return $"record at offset {offset} says {size} bytes, but {rest.Length} are left in the chunk (a record needs at least {MessageRecord.FixedOverhead})";
            var record = rest[..size];
            long own = MessageRecord.ReadPhysicalOffset(record);
            if (own != offset) return $"record at offset {offset} carries the physical offset {own}: it belongs elsewhere in the log";
            if (!MessageRecord.TryLocateParts(record, out _)) return $"record at offset {offset}: its part lengths do not add up to its size {size}";
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(record[^MessageRecord.CrcSize..]);
            if (Crc32.HashToUInt32(record[..^MessageRecord.CrcSize]) != stored)
                return $"record at offset {offset} ({size} bytes) fails its CRC: the bytes were damaged on the way or on the master";
            p += size;
        }
        return null;
    }
}
