using Rocket.Store.Mapped;

namespace Rocket.Store.Index;

/// <summary>
/// Finds messages by key (the KEYS and UNIQ_KEY properties): a projection of the commit log kept in a series of
/// hash-slot index files in one directory, each named by the physical offset of its first entry.
/// <see cref="Put"/> and the structural operations run on one thread (projection, recovery, retention);
/// <see cref="Query"/> runs on any thread without locks; <see cref="Flush"/> runs on the flush thread.
/// Lookups match by hash only: callers re-check the real keys of what they read.
/// </summary>
public sealed class KeyIndex : IDisposable
{
    private readonly object _structureLock = new(); // serialises changes to the file list, never taken by readers
    private readonly IndexFileLayout _layout;
    private IndexFile[] _files = []; // oldest first; swapped whole, so readers take a snapshot
    private long _endPhysicalOffset = -1;
    private long _flushedPhysicalOffset = -1;
    private long _lostOnLoadFrom = long.MaxValue;

    private readonly Space.StoreSpaceGuard? _guard;

    /// <param name="guard">The store's disk-full guard, asked before each new index file; null for none.</param>
    public KeyIndex(string directory, int maxHashSlots, int maxIndexCount, Space.StoreSpaceGuard? guard = null)
    {
        _guard = guard;
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (maxHashSlots < 1)
            throw new ArgumentOutOfRangeException(nameof(maxHashSlots), maxHashSlots,
                "the key index needs at least 1 hash slot per file (rocket.store.max-hash-slot-num)");
        if (maxIndexCount < 1)
            throw new ArgumentOutOfRangeException(nameof(maxIndexCount), maxIndexCount,
                "the key index needs room for at least 1 entry per file (rocket.store.max-index-num)");
        if (!IndexFileLayout.IsMappable(maxHashSlots, maxIndexCount))
            throw new ArgumentOutOfRangeException(nameof(maxIndexCount), maxIndexCount,
                $"an index file of {maxHashSlots} slots and {maxIndexCount} entries would be " +
                $"{IndexFileLayout.FileSizeFor(maxHashSlots, maxIndexCount)} bytes; one file can be at most {int.MaxValue} bytes");
        Directory = directory;
        _layout = new IndexFileLayout(maxHashSlots, maxIndexCount);
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    /// <summary>Highest physical offset indexed so far; -1 when the index is empty.</summary>
    public long EndPhysicalOffset => Volatile.Read(ref _endPhysicalOffset);

    /// <summary>Highest physical offset whose entries the last <see cref="Flush"/> forced to disk; -1 before any.</summary>
    public long FlushedPhysicalOffset => Volatile.Read(ref _flushedPhysicalOffset);

    public int FileCount => Volatile.Read(ref _files).Length;

    /// <summary>How many files the last <see cref="Load"/> found unreadable or inconsistent and deleted.</summary>
    public int FilesDroppedOnLoad { get; private set; }

    /// <summary>
    /// Maps the existing index files. A file whose header is unreadable or inconsistent is deleted rather than
    /// failing the store: the index is a projection of the commit log, and such a file can only come from a crash
    /// while it was being created or from damage, so trusting any of its links could return wrong offsets or loop.
    /// </summary>
    public void Load()
    {
        lock (_structureLock)
        {
            foreach (var file in Interlocked.Exchange(ref _files, [])) file.Close();
            var loaded = new List<IndexFile>();
            long lostFrom = long.MaxValue;
            int dropped = 0;
            foreach (var (path, nameOffset) in IndexFileNames())
            {
                bool valid = IndexFileHeader.TryRead(path, nameOffset, out var header, out _);
                if (valid && loaded.Count > 0 && header.BeginPhysicalOffset <= loaded[^1].EndPhysicalOffset)
                    valid = false; // overlaps the previous file: two files cannot both own an offset
                if (!valid)
                {
                    try { File.Delete(path); } catch (IOException) { /* gone */ }
                    dropped++;
                    lostFrom = Math.Min(lostFrom, nameOffset);
                    continue;
                }
                loaded.Add(IndexFile.Open(path, header));
            }
            if (loaded.Count > 0) loaded[^1].RepairSlotsBeyondCount(); // only the file being written can be torn
            long end = loaded.Count > 0 ? loaded[^1].EndPhysicalOffset : -1;
            FilesDroppedOnLoad = dropped;
            // Entries of a dropped file newer than everything kept can be rebuilt by replaying projection from it.
            _lostOnLoadFrom = lostFrom > end ? lostFrom : long.MaxValue;
            Volatile.Write(ref _endPhysicalOffset, end);
            Volatile.Write(ref _flushedPhysicalOffset, end);
            Volatile.Write(ref _files, loaded.ToArray());
        }
    }

    private IEnumerable<(string Path, long Offset)> IndexFileNames() =>
        System.IO.Directory.GetFiles(Directory)
            .Select(path => (path, name: Path.GetFileName(path)))
            .Where(f => f.name.Length == 20 && f.name.All(char.IsAsciiDigit))
            .OrderBy(f => f.name, StringComparer.Ordinal)
            .Select(f => (f.path, long.Parse(f.name)));

    /// <summary>
    /// Indexes the message at <paramref name="physicalOffset"/> under topic#key for each space-separated key of
    /// <paramref name="keysUtf8"/> and for <paramref name="uniqueKeyUtf8"/> (projector thread only, no allocation).
    /// A message at or below <see cref="EndPhysicalOffset"/> is already indexed and is ignored, so replay is safe.
    /// </summary>
    public void Put(ReadOnlySpan<byte> topicUtf8, ReadOnlySpan<byte> keysUtf8, ReadOnlySpan<byte> uniqueKeyUtf8,
        long physicalOffset, long storeTimestamp)
    {
        if (physicalOffset <= EndPhysicalOffset) return;
        int keyCount = IndexKeys.Count(keysUtf8) + (uniqueKeyUtf8.IsEmpty ? 0 : 1);
        if (keyCount == 0) return;

        var file = WritableFile(keyCount, physicalOffset, storeTimestamp);
        foreach (var key in new IndexKeys(keysUtf8))
        {
            if (file.RemainingEntries == 0) break; // only when one message has more keys than a whole file holds
            file.Append(KeyHash.Of(topicUtf8, key), physicalOffset, storeTimestamp);
        }
        if (!uniqueKeyUtf8.IsEmpty && file.RemainingEntries > 0)
            file.Append(KeyHash.Of(topicUtf8, uniqueKeyUtf8), physicalOffset, storeTimestamp);
        Volatile.Write(ref _endPhysicalOffset, physicalOffset);
    }

    /// <summary>
    /// The file to write a message's entries to. All entries of a message go to one file, so file names (the first
    /// entry's offset) stay unique and removing whole files by offset is exact. Rolls when the current file lacks
    /// room, or when the store time cannot be kept as a 32-bit millisecond delta from the file's begin.
    /// </summary>
    private IndexFile WritableFile(int keyCount, long physicalOffset, long storeTimestamp)
    {
        var files = Volatile.Read(ref _files);
        if (files.Length > 0)
        {
            var last = files[^1];
            bool fits = last.RemainingEntries >= keyCount || (last.EntryCount == 0 && last.RemainingEntries > 0);
            if (fits && last.AcceptsTimestamp(storeTimestamp)) return last;
        }
        lock (_structureLock)
        {
            var created = IndexFile.Create(Directory, _layout, physicalOffset, storeTimestamp, _guard);
            Volatile.Write(ref _files, [.. _files, created]);
            return created;
        }
    }

    /// <summary>
    /// Physical offsets of messages of <paramref name="topic"/> indexed under <paramref name="key"/> and stored
    /// within [begin, end] (ms), newest first, at most <paramref name="maxNum"/>. May include hash collisions.
    /// </summary>
    public IReadOnlyList<long> Query(string topic, string key, int maxNum, long beginTimestamp, long endTimestamp)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(key);
        if (maxNum <= 0 || beginTimestamp > endTimestamp) return [];
        uint hash = KeyHash.Of(topic, key);
        var results = new List<long>(Math.Min(maxNum, 32));
        var files = Volatile.Read(ref _files);
        for (int i = files.Length - 1; i >= 0 && results.Count < maxNum; i--)
        {
            var file = files[i];
            if (!file.TryRetain()) continue; // deleted meanwhile
            try
            {
                if (file.EntryCount > 0 && file.BeginTimestamp <= endTimestamp && file.EndTimestamp >= beginTimestamp)
                    file.Collect(hash, beginTimestamp, endTimestamp, results, maxNum);
            }
            finally
            {
                file.Release();
            }
        }
        return results;
    }

    /// <summary>
    /// Crash recovery: deletes every file holding an entry at or above <paramref name="safePhysicalOffset"/> (a file
    /// written during a crash cannot be partly trusted), -1 deleting all. Returns the offset projection must replay
    /// from so nothing is lost: the lower of <paramref name="safePhysicalOffset"/> and the first deleted file's begin.
    /// </summary>
    public long RemoveFilesAfter(long safePhysicalOffset)
    {
        lock (_structureLock)
        {
            var files = _files;
            int keep = 0;
            while (keep < files.Length && files[keep].EndPhysicalOffset < safePhysicalOffset) keep++;
            long replayFrom = safePhysicalOffset;
            if (keep < files.Length) replayFrom = Math.Min(replayFrom, files[keep].BeginPhysicalOffset);
            if (_lostOnLoadFrom != long.MaxValue) replayFrom = Math.Min(replayFrom, _lostOnLoadFrom);
            _lostOnLoadFrom = long.MaxValue;

            Volatile.Write(ref _files, files[..keep]);
            for (int i = keep; i < files.Length; i++) files[i].Delete();
            long end = keep > 0 ? files[keep - 1].EndPhysicalOffset : -1;
            Volatile.Write(ref _endPhysicalOffset, end);
            Volatile.Write(ref _flushedPhysicalOffset, Math.Min(FlushedPhysicalOffset, end));
            return replayFrom;
        }
    }

    /// <summary>
    /// Retention: deletes the files whose entries all point below <paramref name="commitLogMinOffset"/> (the log
    /// no longer has those messages), never the newest file, which the writer may still append to. Returns the count.
    /// </summary>
    public int DeleteExpiredFiles(long commitLogMinOffset)
    {
        var expired = DetachExpiredFiles(commitLogMinOffset);
        foreach (var file in expired) file.Delete();
        return expired.Length;
    }

    /// <summary>
    /// <see cref="DeleteExpiredFiles"/> without the deletion: the files leave the index (queries no longer see them)
    /// and are returned for the caller to delete off the projector's thread. Index files are named by the physical
    /// offset of their first entry, and new ones only ever start above these, so no new file can take their names.
    /// </summary>
    internal IndexFile[] DetachExpiredFiles(long commitLogMinOffset)
    {
        lock (_structureLock)
        {
            var files = _files;
            int expired = 0;
            while (expired < files.Length - 1 && files[expired].EndPhysicalOffset < commitLogMinOffset) expired++;
            if (expired == 0) return [];
            Volatile.Write(ref _files, files[expired..]);
            return files[..expired];
        }
    }

    /// <summary>Forces what was written to disk (flush thread only); see <see cref="FlushedPhysicalOffset"/>.</summary>
    public void Flush()
    {
        long end = EndPhysicalOffset; // everything up to here is in the files' memory now
        foreach (var file in Volatile.Read(ref _files))
        {
            if (!file.TryRetain()) continue;
            try { file.Flush(); }
            finally { file.Release(); }
        }
        Volatile.Write(ref _flushedPhysicalOffset, end);
    }

    /// <summary>
    /// See <see cref="IndexFile.ReleaseColdPages"/> (flush thread). Only the newest file is written, so only its hash
    /// slots stay mapped (max-hash-slot-num × 4 B, 20 MB by default, file-backed).
    /// </summary>
    public void ReleaseColdPages(int keepTailBytes)
    {
        var files = Volatile.Read(ref _files);
        for (int i = 0; i < files.Length; i++) files[i].ReleaseColdPages(keepTailBytes, keepSlots: i == files.Length - 1);
    }

    /// <summary>Unmaps every file and keeps them on disk; callers flush first for a clean shutdown.</summary>
    public void Dispose()
    {
        lock (_structureLock)
        {
            foreach (var file in Interlocked.Exchange(ref _files, [])) file.Close();
        }
    }
}
