using System.Buffers.Binary;
using Rocket.Store.Format;

namespace Rocket.Store.Log;

/// <summary>
/// Finds where valid records resume after damage inside one commit-log segment (resynchronisation). A record can
/// start at any byte, so the search looks for the record magic and accepts a position only if everything a record
/// carries agrees: magic, its own physical offset, lengths that add up and the CRC. A chance match needs a 32-bit CRC
/// collision at a position whose 8-byte offset field names that very position, so no further "chain" is required;
/// requiring the next record to be valid too would throw away a good record that sits between two damaged ranges.
/// </summary>
public static class RecordSearch
{
    private static ReadOnlySpan<byte> MagicBytes => [0x31, 0x54, 0x4B, 0x52];      // MessageRecord.Magic, little-endian
    private static ReadOnlySpan<byte> BlankMagicBytes => [0x00, 0x54, 0x4B, 0x52]; // MessageRecord.BlankMagic

    /// <summary>
    /// First position at or after <paramref name="from"/> in <paramref name="segment"/> (the whole segment, starting at
    /// log offset <paramref name="segmentStart"/>) where a valid record (CRC checked) or the segment's blank end
    /// marker starts; -1 when there is none.
    /// </summary>
    public static int FindNextValid(ReadOnlySpan<byte> segment, long segmentStart, int from)
    {
        int record = FindRecord(segment, segmentStart, from);
        int blank = FindBlank(segment, from, record < 0 ? segment.Length : record);
        return blank >= 0 ? blank : record;
    }

    private static int FindRecord(ReadOnlySpan<byte> segment, long segmentStart, int from)
    {
        int search = from + MessageRecord.MagicOffset;
        while (search + MagicBytes.Length <= segment.Length)
        {
            int found = segment[search..].IndexOf(MagicBytes);
            if (found < 0) return -1;
            int position = search + found - MessageRecord.MagicOffset;
            if (MessageRecord.Check(segment[position..], segmentStart + position, verifyCrc: true) == RecordCheck.Valid)
                return position;
            search += found + 1;
        }
        return -1;
    }

    /// <summary>A blank marker whose size reaches exactly the segment's end, before <paramref name="before"/>.</summary>
    private static int FindBlank(ReadOnlySpan<byte> segment, int from, int before)
    {
        int search = from + MessageRecord.MagicOffset;
        int limit = Math.Min(segment.Length, before + MessageRecord.MagicOffset);
        while (search + BlankMagicBytes.Length <= limit)
        {
            int found = segment[search..limit].IndexOf(BlankMagicBytes);
            if (found < 0) return -1;
            int position = search + found - MessageRecord.MagicOffset;
            if (position + MessageRecord.BlankSize <= segment.Length &&
                BinaryPrimitives.ReadInt32LittleEndian(segment[position..]) == segment.Length - position)
                return position;
            search += found + 1;
        }
        return -1;
    }
}
