using System.Buffers.Binary;

namespace Rocket.Store.Index;

/// <summary>
/// An index file's header as read from disk when loading, with the checks that decide whether the file can be
/// trusted. Only files that hold at least one entry are kept: an empty one is a roll cut short by a crash.
/// </summary>
internal readonly record struct IndexFileHeader(
    IndexFileLayout Layout,
    long BeginTimestamp,
    long EndTimestamp,
    long BeginPhysicalOffset,
    long EndPhysicalOffset,
    int UsedSlotCount,
    int EntryCount)
{
    /// <summary>Reads and validates the header of <paramref name="path"/>; <paramref name="problem"/> says why not.</summary>
    public static bool TryRead(string path, long nameOffset, out IndexFileHeader header, out string problem)
    {
        header = default;
        Span<byte> bytes = stackalloc byte[IndexFileLayout.HeaderSize];
        long length;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            length = stream.Length;
            if (length < IndexFileLayout.HeaderSize)
            {
                problem = $"it is {length} bytes, shorter than the {IndexFileLayout.HeaderSize}-byte header";
                return false;
            }
            stream.ReadExactly(bytes);
        }
        catch (IOException e)
        {
            problem = $"it cannot be read: {e.Message}";
            return false;
        }

        if (Int(bytes, IndexFileLayout.MagicOffset) != IndexFileLayout.Magic || Int(bytes, IndexFileLayout.VersionOffset) != IndexFileLayout.FormatVersion)
        {
            problem = "its header has no valid magic number and version";
            return false;
        }
        int slots = Int(bytes, IndexFileLayout.HashSlotsOffset), maxEntries = Int(bytes, IndexFileLayout.MaxEntriesOffset);
        if (!IndexFileLayout.IsMappable(slots, maxEntries) || IndexFileLayout.FileSizeFor(slots, maxEntries) != length)
        {
            problem = $"its geometry ({slots} slots, {maxEntries} entries) does not match its length {length}";
            return false;
        }
        header = new IndexFileHeader(new IndexFileLayout(slots, maxEntries),
            Long(bytes, IndexFileLayout.BeginTimestampOffset), Long(bytes, IndexFileLayout.EndTimestampOffset),
            Long(bytes, IndexFileLayout.BeginPhysicalOffsetOffset), Long(bytes, IndexFileLayout.EndPhysicalOffsetOffset),
            Int(bytes, IndexFileLayout.UsedSlotCountOffset), Int(bytes, IndexFileLayout.EntryCountOffset));
        return header.IsConsistent(nameOffset, out problem);
    }

    // Little-endian like the mapped accesses on the platforms the store runs on (x64, arm64).
    private static int Int(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..]);
    private static long Long(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadInt64LittleEndian(bytes[offset..]);

    private bool IsConsistent(long nameOffset, out string problem)
    {
        problem = "";
        if (EntryCount < 1 || EntryCount > Layout.MaxEntries)
            problem = $"its entry count {EntryCount} is outside 1..{Layout.MaxEntries}";
        else if (UsedSlotCount < 0 || UsedSlotCount > Math.Min(Layout.HashSlots, EntryCount))
            problem = $"its used slot count {UsedSlotCount} is impossible for {EntryCount} entries";
        else if (BeginPhysicalOffset != nameOffset)
            problem = $"its begin physical offset {BeginPhysicalOffset} differs from its name";
        else if (EndPhysicalOffset < BeginPhysicalOffset)
            problem = $"its end physical offset {EndPhysicalOffset} is below its begin {BeginPhysicalOffset}";
        else if (EndTimestamp < BeginTimestamp || EndTimestamp - BeginTimestamp > int.MaxValue)
            problem = $"its time range [{BeginTimestamp}, {EndTimestamp}] is impossible";
        return problem.Length == 0;
    }
}
