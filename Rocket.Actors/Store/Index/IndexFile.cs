using System.Runtime.CompilerServices;
using Rocket.Store.Mapped;
using static Rocket.Store.Index.IndexFileLayout;

namespace Rocket.Store.Index;

/// <summary>
/// One memory-mapped index file (see <see cref="IndexFileLayout"/>). One writer appends; any thread may look up
/// chains while holding a reference (<see cref="TryRetain"/>). The writer publishes in an order that keeps readers
/// and crash recovery safe: entry, then the header's end offset and time, then the slot, then the counts.
/// </summary>
internal sealed unsafe class IndexFile
{
    private readonly MappedSegment _segment;
    private int _flushedEntryCount; // flush thread only

    private IndexFile(MappedSegment segment, IndexFileLayout layout, int flushedEntryCount)
    {
        _segment = segment;
        _segment.AdviseRandomAccess(); // slots are found by hash, entries by chain: nothing here is read in order
        Layout = layout;
        _flushedEntryCount = flushedEntryCount;
    }

    public IndexFileLayout Layout { get; }
    public string FilePath => _segment.FilePath;

    public long BeginTimestamp => Volatile.Read(ref Long(BeginTimestampOffset));
    public long EndTimestamp => Volatile.Read(ref Long(EndTimestampOffset));
    public long BeginPhysicalOffset => Volatile.Read(ref Long(BeginPhysicalOffsetOffset));
    public long EndPhysicalOffset => Volatile.Read(ref Long(EndPhysicalOffsetOffset));
    public int UsedSlotCount => Volatile.Read(ref Int(UsedSlotCountOffset));
    public int EntryCount => Volatile.Read(ref Int(EntryCountOffset));
    public int RemainingEntries => Layout.MaxEntries - EntryCount;

    /// <summary>
    /// Creates a new file named by the physical offset of its first entry. Any stale file of that name is not in
    /// the index any more (dropped or removed), so it is replaced.
    /// </summary>
    public static IndexFile Create(string directory, IndexFileLayout layout, long beginPhysicalOffset, long beginTimestamp,
        Space.StoreSpaceGuard? guard = null)
    {
        string path = Path.Combine(directory, MappedSegment.FileNameFor(beginPhysicalOffset));
        File.Delete(path);
        var file = new IndexFile(MappedSegment.OpenFile(path, beginPhysicalOffset, layout.FileSize, guard: guard), layout, 0);
        file.Int(MagicOffset) = Magic;
        file.Int(VersionOffset) = FormatVersion;
        file.Int(HashSlotsOffset) = layout.HashSlots;
        file.Int(MaxEntriesOffset) = layout.MaxEntries;
        file.Long(BeginTimestampOffset) = beginTimestamp;
        file.Long(EndTimestampOffset) = beginTimestamp;
        file.Long(BeginPhysicalOffsetOffset) = beginPhysicalOffset;
        file.Long(EndPhysicalOffsetOffset) = beginPhysicalOffset;
        return file; // counts are zero in a new file; the list that publishes the file is a volatile swap
    }

    /// <summary>Maps a file whose header was validated by <see cref="IndexFileHeader.TryRead"/>.</summary>
    public static IndexFile Open(string path, IndexFileHeader header)
    {
        var segment = MappedSegment.OpenFile(path, header.BeginPhysicalOffset, header.Layout.FileSize, allowResize: false);
        return new IndexFile(segment, header.Layout, header.EntryCount);
    }

    /// <summary>Whether an entry stored at <paramref name="timestamp"/> can be kept as a delta from this file's begin.</summary>
    public bool AcceptsTimestamp(long timestamp)
    {
        long delta = timestamp - BeginTimestamp;
        return delta >= 0 && delta <= int.MaxValue;
    }

    /// <summary>Appends one entry (writer only; the caller checked room and <see cref="AcceptsTimestamp"/>).</summary>
    public void Append(uint keyHash, long physicalOffset, long storeTimestamp)
    {
        int count = Int(EntryCountOffset);
        int number = count + 1;
        ref int slot = ref Int(Layout.SlotPosition(keyHash));
        int previous = slot;
        if (previous < 0 || previous >= number) previous = 0; // a stale link must never make a loop

        byte* entry = _segment.Pointer + Layout.EntryPosition(number);
        Unsafe.WriteUnaligned(entry + EntryHashOffset, keyHash);
        Unsafe.WriteUnaligned(entry + EntryPhysicalOffsetOffset, physicalOffset);
        Unsafe.WriteUnaligned(entry + EntryTimeDeltaOffset, (int)(storeTimestamp - Long(BeginTimestampOffset)));
        Unsafe.WriteUnaligned(entry + EntryPreviousOffset, previous);

        // End offset before the slot: if a crash leaves the slot pointing here, the header already claims this
        // offset, so recovery's RemoveFilesAfter drops the whole file instead of trusting a half-published entry.
        if (storeTimestamp > Long(EndTimestampOffset)) Volatile.Write(ref Long(EndTimestampOffset), storeTimestamp);
        Volatile.Write(ref Long(EndPhysicalOffsetOffset), physicalOffset);
        Volatile.Write(ref slot, number); // release: a reader that sees the number sees the whole entry
        if (previous == 0) Volatile.Write(ref Int(UsedSlotCountOffset), Int(UsedSlotCountOffset) + 1);
        Volatile.Write(ref Int(EntryCountOffset), number);
    }

    /// <summary>
    /// Adds to <paramref name="into"/> (newest first) the physical offsets of entries with <paramref name="keyHash"/>
    /// stored within [begin, end], until it holds <paramref name="maxNum"/>. Any thread, with the file retained.
    /// </summary>
    public void Collect(uint keyHash, long beginTimestamp, long endTimestamp, List<long> into, int maxNum)
    {
        long fileBegin = BeginTimestamp;
        int number = Volatile.Read(ref Int(Layout.SlotPosition(keyHash)));
        while (number > 0 && number <= Layout.MaxEntries && into.Count < maxNum)
        {
            byte* entry = _segment.Pointer + Layout.EntryPosition(number);
            if (Unsafe.ReadUnaligned<uint>(entry + EntryHashOffset) == keyHash)
            {
                long timestamp = fileBegin + Unsafe.ReadUnaligned<int>(entry + EntryTimeDeltaOffset);
                long offset = Unsafe.ReadUnaligned<long>(entry + EntryPhysicalOffsetOffset);
                // Entries of one message are adjacent in a file, so a repeated key shows up as a repeated offset.
                if (timestamp >= beginTimestamp && timestamp <= endTimestamp && (into.Count == 0 || into[^1] != offset))
                    into.Add(offset);
            }
            int previous = Unsafe.ReadUnaligned<int>(entry + EntryPreviousOffset);
            if (previous >= number) break; // corrupt link: chains only point backwards
            number = previous;
        }
    }

    /// <summary>
    /// After a crash the slot table may be ahead of the entry count (a slot written, the count not). Points such
    /// slots back down their chains to published entries and recounts the used slots (load only, before writes).
    /// </summary>
    public void RepairSlotsBeyondCount()
    {
        int count = Int(EntryCountOffset);
        int used = 0;
        for (int s = 0; s < Layout.HashSlots; s++)
        {
            ref int slot = ref Int(HeaderSize + s * SlotSize);
            int number = slot;
            while (number > count && number <= Layout.MaxEntries)
            {
                int previous = Unsafe.ReadUnaligned<int>(_segment.Pointer + Layout.EntryPosition(number) + EntryPreviousOffset);
                number = previous < number ? previous : 0;
            }
            if (number < 0 || number > count) number = 0;
            if (number != slot) slot = number;
            if (number != 0) used++;
        }
        Int(UsedSlotCountOffset) = used;
    }

    /// <summary>Forces the slots and new entries to disk, then the header that counts them (flush thread only).</summary>
    public void Flush()
    {
        int count = EntryCount;
        if (count == _flushedEntryCount) return;
        byte* start = _segment.Pointer;
        int entriesFrom = Layout.EntryPosition(_flushedEntryCount + 1), entriesTo = Layout.EntryPosition(count + 1);
        NativeSync.Sync((nint)(start + HeaderSize), Layout.HashSlots * SlotSize);
        NativeSync.Sync((nint)(start + entriesFrom), entriesTo - entriesFrom);
        NativeSync.Sync((nint)start, HeaderSize);
        _flushedEntryCount = count;
    }

    /// <summary>
    /// Drops all but the last <paramref name="keepTailBytes"/> of entries from the process's resident set (flush
    /// thread), and the hash slots too unless <paramref name="keepSlots"/>. The file being written keeps its slots:
    /// each new key writes a random slot, so released slots cost a page fault (with the file system's write check)
    /// on nearly every message, on the projector thread, before held pulls are woken.
    /// </summary>
    public void ReleaseColdPages(int keepTailBytes, bool keepSlots)
    {
        int entriesEnd = Layout.EntryPosition(EntryCount + 1);
        _segment.ReleasePages(keepSlots ? Layout.EntryPosition(1) : HeaderSize, entriesEnd - keepTailBytes);
    }

    public bool TryRetain() => _segment.TryRetain();
    public void Release() => _segment.Release();

    /// <summary>
    /// Unlinks the file now (its name may be reused at once by a replay) and unmaps it when the last reader leaves;
    /// on Linux a mapping stays valid after its file is unlinked.
    /// </summary>
    public void Delete()
    {
        try { File.Delete(FilePath); } catch (IOException) { /* already gone */ }
        _segment.Destroy(deleteFile: false);
    }

    /// <summary>Unmaps the file (once readers leave) and keeps it on disk.</summary>
    public void Close() => _segment.Destroy(deleteFile: false);

    private ref int Int(int position) => ref *(int*)(_segment.Pointer + position);
    private ref long Long(int position) => ref *(long*)(_segment.Pointer + position);

    public override string ToString() =>
        $"{Path.GetFileName(FilePath)} [{BeginPhysicalOffset}, {EndPhysicalOffset}] {EntryCount}/{Layout.MaxEntries}";
}
