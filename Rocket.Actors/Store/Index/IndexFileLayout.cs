namespace Rocket.Store.Index;

/// <summary>
/// Where things live in one index file: a fixed header, <see cref="HashSlots"/> 4-byte slots, then up to
/// <see cref="MaxEntries"/> 20-byte entries. A slot holds the number of the newest entry of its chain (0 = empty,
/// entries are numbered from 1); each entry links to the previous entry of the same slot.
/// The geometry is stored in the header, so files written with other settings stay readable.
/// </summary>
internal readonly record struct IndexFileLayout(int HashSlots, int MaxEntries)
{
    public const int Magic = 0x58494B52; // "RKIX" little-endian
    public const int FormatVersion = 1;

    // Header fields (all naturally aligned, so they can be read and written with Volatile).
    public const int MagicOffset = 0;
    public const int VersionOffset = 4;
    public const int HashSlotsOffset = 8;
    public const int MaxEntriesOffset = 12;
    public const int BeginTimestampOffset = 16;
    public const int EndTimestampOffset = 24;
    public const int BeginPhysicalOffsetOffset = 32;
    public const int EndPhysicalOffsetOffset = 40;
    public const int UsedSlotCountOffset = 48;
    public const int EntryCountOffset = 52;
    public const int HeaderSize = 64; // 56 used, rounded up so the slot table starts 8-aligned

    public const int SlotSize = 4;

    // Entry fields: key hash, physical offset, store-time delta (ms) from the file's begin timestamp, previous entry.
    public const int EntrySize = 20;
    public const int EntryHashOffset = 0;
    public const int EntryPhysicalOffsetOffset = 4;
    public const int EntryTimeDeltaOffset = 12;
    public const int EntryPreviousOffset = 16;

    public static long FileSizeFor(int hashSlots, int maxEntries) =>
        HeaderSize + (long)hashSlots * SlotSize + (long)maxEntries * EntrySize;

    /// <summary>Whether a file of this geometry can be mapped (a mapped segment is at most int.MaxValue bytes).</summary>
    public static bool IsMappable(int hashSlots, int maxEntries) =>
        hashSlots > 0 && maxEntries > 0 && FileSizeFor(hashSlots, maxEntries) <= int.MaxValue;

    public int FileSize => (int)FileSizeFor(HashSlots, MaxEntries);

    public int SlotPosition(uint keyHash) => HeaderSize + (int)(keyHash % (uint)HashSlots) * SlotSize;

    /// <summary>Position of entry <paramref name="entryNumber"/> (1-based).</summary>
    public int EntryPosition(int entryNumber) => HeaderSize + HashSlots * SlotSize + (entryNumber - 1) * EntrySize;
}
