using Rocket.Store.Space;

namespace Rocket.Store.Mapped;

/// <summary>
/// An append-only byte space made of fixed-size <see cref="MappedSegment"/>s in one directory (RocketMQ's
/// MappedFileQueue). One writer appends and rolls; any thread may look segments up. The segment list is an
/// immutable array swapped on change, so lookups take no lock.
/// </summary>
public sealed unsafe class SegmentedFile : IDisposable
{
    private readonly object _structureLock = new(); // serialises roll / delete / truncate, never taken by readers
    private MappedSegment[] _segments = [];
    private readonly bool _prepareAhead;
    private Task<MappedSegment?>? _prepared; // the next segment, created in the background
    private readonly StoreSpaceGuard? _guard;

    /// <param name="prepareAhead">
    /// Create the next segment in the background while the current one fills (the commit log), so a roll never waits
    /// for the preallocation of a new file.
    /// </param>
    /// <param name="guard">The store's disk-full guard, asked before each new segment file; null for none.</param>
    public SegmentedFile(string directory, int segmentSize, bool prepareAhead = false, StoreSpaceGuard? guard = null)
    {
        _guard = guard;
        _prepareAhead = prepareAhead;
        if (segmentSize <= 0) throw new ArgumentOutOfRangeException(nameof(segmentSize), "segment size must be positive");
        Directory = directory;
        SegmentSize = segmentSize;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }
    public int SegmentSize { get; }

    public IReadOnlyList<MappedSegment> Segments => Volatile.Read(ref _segments);

    public MappedSegment? Last
    {
        get { var s = Volatile.Read(ref _segments); return s.Length == 0 ? null : s[^1]; }
    }

    public MappedSegment? First
    {
        get { var s = Volatile.Read(ref _segments); return s.Length == 0 ? null : s[0]; }
    }

    /// <summary>Offset of the first byte still on disk (the oldest segment's start).</summary>
    public long MinOffset => First?.StartOffset ?? 0;

    /// <summary>Offset one past the last written byte.</summary>
    public long MaxOffset
    {
        get { var last = Last; return last is null ? 0 : last.StartOffset + last.WritePosition; }
    }

    /// <summary>Maps every existing segment file in name order. Write positions are set by the caller's recovery.</summary>
    public void Load()
    {
        lock (_structureLock)
        {
            var files = System.IO.Directory.GetFiles(Directory)
                .Select(f => (path: f, name: Path.GetFileName(f)))
                .Where(f => f.name.Length == 20 && f.name.All(char.IsAsciiDigit))
                .OrderBy(f => f.name, StringComparer.Ordinal)
                .ToList();
            var loaded = new List<MappedSegment>(files.Count);
            try
            {
                for (int i = 0; i < files.Count; i++)
                {
                    long start = long.Parse(files[i].name);
                    if (start % SegmentSize != 0)
                        throw new StoreCorruptException(
                            $"segment file {files[i].path} starts at {start}, which is not a multiple of the segment size {SegmentSize}");
                    if (loaded.Count > 0 && start != loaded[^1].EndOffset)
                        throw new StoreCorruptException(
                            $"segment file {files[i].path} does not follow {loaded[^1].FilePath}: a segment is missing");
                    bool isLast = i == files.Count - 1;
                    long length = new FileInfo(files[i].path).Length;
                    if (isLast && length < SegmentSize) ShortTailOffset = start + length;
                    var segment = MappedSegment.Open(Directory, start, SegmentSize, allowResize: isLast);
                    segment.WritePosition = SegmentSize; // assume full; recovery fixes the tail
                    segment.FlushedPosition = SegmentSize;
                    loaded.Add(segment);
                }
            }
            catch
            {
                foreach (var s in loaded) s.Dispose();
                throw;
            }
            Volatile.Write(ref _segments, loaded.ToArray());
        }
    }

    /// <summary>
    /// Set by <see cref="Load"/> when the last file was shorter than a segment (its tail was cut): the offset where its
    /// real bytes ended. Recovery must not trust a checkpoint beyond it.
    /// </summary>
    public long? ShortTailOffset { get; private set; }

    /// <summary>Forces [from, to) to disk in every segment it covers, regardless of flush bookkeeping.</summary>
    public void ForceRange(long from, long to)
    {
        foreach (var segment in Volatile.Read(ref _segments))
        {
            long start = Math.Max(from, segment.StartOffset);
            long end = Math.Min(to, segment.EndOffset);
            if (end > start)
                NativeSync.Sync((nint)(segment.Pointer + (start - segment.StartOffset)), end - start);
        }
    }

    /// <summary>The segment holding <paramref name="offset"/>, or null if it is not on disk.</summary>
    public MappedSegment? Find(long offset)
    {
        var segments = Volatile.Read(ref _segments);
        if (segments.Length == 0) return null;
        long first = segments[0].StartOffset;
        if (offset < first) return null;
        long index = (offset - first) / SegmentSize;
        if (index >= segments.Length) return null;
        var segment = segments[index];
        return segment.StartOffset <= offset && offset < segment.EndOffset ? segment : null;
    }

    /// <summary>The segment to append to, creating the first one at <paramref name="startIfEmpty"/> or rolling past a full one.</summary>
    public MappedSegment GetWritable(long startIfEmpty = 0)
    {
        var last = Last;
        if (last is not null && !last.IsFull) return last;
        lock (_structureLock)
        {
            last = Last;
            if (last is not null && !last.IsFull) return last;
            long start = last?.EndOffset ?? startIfEmpty - startIfEmpty % SegmentSize;
            var created = TakePrepared(start) ?? MappedSegment.Open(Directory, start, SegmentSize, guard: _guard);
            if (last is null)
            {
                // An empty store resumed at an offset (all files deleted): the first segment starts mid-way.
                created.WritePosition = (int)(startIfEmpty - start);
                created.FlushedPosition = created.WritePosition;
            }
            // The commit log is written through the file (RecordStage), so no fault of its writer reads around; other
            // files' writers fault their pages in as they go, which must not read around (MappedSegment.AdviseRandomAccess).
            if (!_prepareAhead) created.AdviseRandomAccess(created.WritePosition);
            Volatile.Write(ref _segments, [.. Volatile.Read(ref _segments), created]);
            if (_prepareAhead) PrepareNext(created.EndOffset);
            return created;
        }
    }

    private void PrepareNext(long start)
    {
        _prepared = Task.Factory.StartNew<MappedSegment?>(() =>
        {
            try
            {
                return MappedSegment.Open(Directory, start, SegmentSize, guard: _guard);
            }
            catch (StoreException)
            {
                return null; // e.g. disk full: the roll retries in the foreground and reports the error
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private MappedSegment? TakePrepared(long start)
    {
        var prepared = _prepared;
        _prepared = null;
        if (prepared is null) return null;
        var segment = prepared.GetAwaiter().GetResult(); // normally finished long ago
        if (segment is null) return null;
        if (segment.StartOffset == start) return segment;
        segment.Destroy(deleteFile: true);
        return null;
    }

    private void DiscardPrepared()
    {
        var prepared = _prepared;
        _prepared = null;
        prepared?.GetAwaiter().GetResult()?.Destroy(deleteFile: true);
    }

    /// <summary>Removes every byte at or after <paramref name="offset"/>: later segments are deleted, the tail zeroed.</summary>
    public void TruncateFrom(long offset)
    {
        lock (_structureLock)
        {
            DiscardPrepared();
            var segments = Volatile.Read(ref _segments);
            var kept = new List<MappedSegment>(segments.Length);
            foreach (var segment in segments)
            {
                if (segment.StartOffset >= offset && !(segment.StartOffset == offset && segment == segments[0]))
                {
                    segment.Destroy(deleteFile: true);
                    continue;
                }
                if (segment.EndOffset > offset)
                {
                    int position = (int)(offset - segment.StartOffset);
                    int dirtyEnd = Math.Max(segment.WritePosition, position);
                    // Zero what follows so stale bytes can never pass as records after a later crash.
                    segment.Span(position, segment.Size - position).Clear();
                    segment.WritePosition = position;
                    segment.FlushedPosition = Math.Min(segment.FlushedPosition, position);
                    segment.FlushAll(Math.Max(dirtyEnd, position));
                }
                kept.Add(segment);
            }
            Volatile.Write(ref _segments, kept.ToArray());
        }
    }

    /// <summary>
    /// Deletes every segment that starts at or after <paramref name="offset"/> (but the first one when
    /// <paramref name="keepFirst"/>), the newest first, so a crash in between leaves a log without holes (a shorter
    /// prefix of the old one). Files are unlinked at once, even while a reader still maps them (Linux keeps the mapping),
    /// so a segment re-created under the same name later is never deleted by a late release.
    /// </summary>
    public void DropSegmentsFrom(long offset, bool keepFirst)
    {
        lock (_structureLock)
        {
            DiscardPrepared();
            var segments = Volatile.Read(ref _segments);
            int keep = segments.Length;
            int floor = keepFirst ? 1 : 0;
            while (keep > floor && segments[keep - 1].StartOffset >= offset) keep--;
            for (int i = segments.Length - 1; i >= keep; i--)
            {
                Volatile.Write(ref _segments, segments[..i]);
                segments[i].Destroy(deleteFile: false);
                File.Delete(segments[i].FilePath);
            }
        }
    }

    /// <summary>Removes the oldest segment (never the last one). Returns false when only one is left.</summary>
    public bool DeleteFirst(out MappedSegment? deleted)
    {
        if (!DetachFirst(out deleted)) return false;
        deleted!.Destroy(deleteFile: true);
        return true;
    }

    /// <summary>
    /// Takes the oldest segment (never the last one) out of the file without deleting it, so the caller can pay for
    /// the unmap and the unlink on another thread (<see cref="MappedSegment.Destroy"/>). Returns false when only one
    /// is left.
    /// </summary>
    public bool DetachFirst(out MappedSegment? detached)
    {
        lock (_structureLock)
        {
            var segments = Volatile.Read(ref _segments);
            detached = null;
            if (segments.Length <= 1) return false;
            detached = segments[0];
            Volatile.Write(ref _segments, segments[1..]);
            return true;
        }
    }

    /// <summary>Deletes every segment and its file.</summary>
    public void DeleteAll()
    {
        lock (_structureLock)
        {
            DiscardPrepared();
            foreach (var s in Volatile.Read(ref _segments)) s.Destroy(deleteFile: true);
            Volatile.Write(ref _segments, []);
        }
    }

    /// <summary>Flushes the written-but-unflushed bytes of every segment up to <paramref name="upTo"/>.</summary>
    public long Flush(long upTo)
    {
        long flushed = MinOffset;
        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (segment.StartOffset >= upTo) break;
            if (!segment.TryRetain()) break; // a truncation removed it meanwhile: nothing after it is ours to flush
            try
            {
                int limit = (int)Math.Min(segment.WritePosition, upTo - segment.StartOffset);
                segment.Flush(limit);
                flushed = segment.StartOffset + segment.FlushedPosition;
            }
            finally
            {
                segment.Release();
            }
        }
        return flushed;
    }

    /// <summary>
    /// Drops every page below <paramref name="hotFrom"/> from the process's resident set (see
    /// <see cref="MappedSegment.ReleasePages"/>); pages at or above it, and the prepared next segment, stay mapped.
    /// Cheap to repeat: the kernel skips ranges that are not mapped.
    /// </summary>
    public void ReleasePagesBelow(long hotFrom)
    {
        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (segment.StartOffset >= hotFrom) break;
            segment.ReleasePages(0, (int)Math.Min(segment.Size, hotFrom - segment.StartOffset));
        }
    }

    /// <summary>How many bytes are written but not yet flushed.</summary>
    public long UnflushedBytes
    {
        get
        {
            long total = 0;
            foreach (var segment in Volatile.Read(ref _segments))
                total += Math.Max(0, segment.WritePosition - segment.FlushedPosition);
            return total;
        }
    }

    public void Dispose()
    {
        lock (_structureLock)
        {
            // A prepared segment holds no data: delete it so a restart does not see an extra empty file.
            DiscardPrepared();
            foreach (var s in Volatile.Read(ref _segments)) s.Dispose();
            Volatile.Write(ref _segments, []);
        }
    }
}
