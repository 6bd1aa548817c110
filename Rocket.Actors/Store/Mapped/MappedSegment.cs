using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;
using Rocket.Store.Space;

namespace Rocket.Store.Mapped;

/// <summary>
/// One fixed-size, memory-mapped file of a segmented log, named by the 20-digit offset of its first byte.
/// The single writer advances <see cref="WritePosition"/>; readers only read below it. Readers hold a reference
/// (<see cref="TryRetain"/>) so that retention can delete a segment without unmapping memory under a reader.
/// A writer either stores through the mapping (<see cref="Span"/>) or writes through the file (<see cref="Write"/>);
/// both land in the same page cache, which every reader of the mapping sees.
/// </summary>
public sealed unsafe class MappedSegment : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly SafeFileHandle _handle; // owned by the mapping (closed with it)
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private int _writePosition;
    private int _flushedPosition;
    private int _references = 1; // the owner's reference, dropped by Destroy
    private int _destroyed;

    private MappedSegment(string path, long startOffset, int size, MemoryMappedFile file, MemoryMappedViewAccessor view, SafeFileHandle handle)
    {
        _handle = handle;
        FilePath = path;
        StartOffset = startOffset;
        Size = size;
        _file = file;
        _view = view;
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
    }

    public string FilePath { get; }
    public long StartOffset { get; }
    public int Size { get; }
    public long EndOffset => StartOffset + Size;

    /// <summary>Bytes written so far; published with release semantics so readers see complete data below it.</summary>
    public int WritePosition
    {
        get => Volatile.Read(ref _writePosition);
        set => Volatile.Write(ref _writePosition, value);
    }

    public int FlushedPosition
    {
        get => Volatile.Read(ref _flushedPosition);
        set => Volatile.Write(ref _flushedPosition, value);
    }

    public int Remaining => Size - WritePosition;
    public bool IsFull => WritePosition >= Size;
    public bool IsDestroyed => Volatile.Read(ref _destroyed) != 0;

    public static string FileNameFor(long startOffset) => startOffset.ToString("D20");

    /// <summary>
    /// Opens (or creates, zero-filled) the segment file at exactly <paramref name="size"/> bytes. A new file is
    /// created only if <paramref name="guard"/> (the store's disk-full guard) allows it.
    /// </summary>
    public static MappedSegment Open(string directory, long startOffset, int size, bool allowResize = true, StoreSpaceGuard? guard = null) =>
        OpenFile(Path.Combine(directory, FileNameFor(startOffset)), startOffset, size, allowResize, guard);

    /// <summary>Opens (or creates) a mapped file at an explicit path; index files are named by time, not offset.</summary>
    public static MappedSegment OpenFile(string path, long startOffset, int size, bool allowResize = true, StoreSpaceGuard? guard = null)
    {
        var stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete)
            : CreatePreallocated(path, size, guard);
        try
        {
            if (stream.Length != size)
            {
                if (!allowResize || stream.Length > size)
                    throw new StoreCorruptException(
                        $"segment file {path} is {stream.Length} bytes but the configured segment size is {size} bytes; " +
                        "segment size cannot change once a store has data");
                stream.SetLength(size); // a shorter file is a cut tail: extend with zeros, recovery stops at the cut
            }
            var file = MemoryMappedFile.CreateFromFile(stream, null, size, MemoryMappedFileAccess.ReadWrite,
                HandleInheritability.None, leaveOpen: false);
            var view = file.CreateViewAccessor(0, size, MemoryMappedFileAccess.ReadWrite);
            return new MappedSegment(path, startOffset, size, file, view, stream.SafeFileHandle);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reserves every block up front (posix_fallocate): a full disk then fails here with a clear error instead of
    /// killing the process with SIGBUS on a later write into a sparse mapping.
    /// </summary>
    private static FileStream CreatePreallocated(string path, int size, StoreSpaceGuard? guard)
    {
        try
        {
            guard?.BeforeCreate(path, size); // refused before anything exists on disk
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite | FileShare.Delete,
                PreallocationSize = size,
            });
        }
        catch (IOException e)
        {
            try { File.Delete(path); } catch (IOException) { }
            throw new StoreException($"cannot create {size}-byte store file {path}: {e.Message}", e);
        }
    }

    public byte* Pointer => _base;

    public Span<byte> Span(int position, int length) => new(_base + position, length);
    public ReadOnlySpan<byte> ReadOnlySpan(int position, int length) => new(_base + position, length);

    /// <summary>Forces [FlushedPosition, upTo) to disk; returns the new flushed position.</summary>
    public int Flush(int upTo)
    {
        int from = FlushedPosition;
        if (upTo > from)
        {
            NativeSync.Sync((nint)(_base + from), upTo - from);
            FlushedPosition = upTo;
        }
        return FlushedPosition;
    }

    /// <summary>Forces the whole written range regardless of what was flushed before.</summary>
    public void FlushAll(int upTo) => NativeSync.Sync((nint)_base, upTo);

    /// <summary>Forces [position, position + length) to disk, e.g. bytes rewritten below the flushed position.</summary>
    public void SyncRange(int position, int length) => NativeSync.Sync((nint)(_base + position), length);

    /// <summary>
    /// Writes <paramref name="bytes"/> into the file at <paramref name="position"/> with one system call (pwrite), not
    /// through the mapping: the kernel fills its page cache straight from them, so the writer maps no page and takes
    /// no page fault, and readers of the mapping see the bytes once the call returns. Throws a
    /// <see cref="StoreException"/> naming the file if the write fails; the bytes after <see cref="WritePosition"/>
    /// are then undefined, and the next write there replaces them.
    /// </summary>
    public void Write(int position, ReadOnlySpan<byte> bytes)
    {
        if (position < 0 || bytes.Length > Size - position)
            throw new ArgumentOutOfRangeException(nameof(position), $"a write of {bytes.Length} bytes at {position} does not fit the {Size}-byte segment {FilePath}");
        try
        {
            if (_writeFault is { } fault) throw fault;
            RandomAccess.Write(_handle, bytes, position);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            throw new StoreException($"cannot write {bytes.Length} bytes at position {position} of {FilePath}: {e.Message}", e);
        }
    }

    private IOException? _writeFault;

    /// <summary>Every later <see cref="Write"/> fails with <paramref name="fault"/>, as on a failing disk, until it is null again (tests only).</summary>
    internal void FailWritesForTest(IOException? fault) => _writeFault = fault;

    /// <summary>
    /// Tells the kernel not to read around page faults from <paramref name="from"/> on (madvise MADV_RANDOM), for the
    /// mapping's life. For the part of a file its writer has yet to fill, and for files read at random (the key
    /// index): on Linux 6.18 the first write into a fresh part of a file otherwise made the kernel build megabytes of
    /// zeroed page cache around it in that one fault, 26-39 ms on the writer's thread (docs/performance.md, fifteenth
    /// round). What the writer writes stays in the page cache, so readers of it lose nothing.
    /// </summary>
    public void AdviseRandomAccess(int from = 0)
    {
        if (from < Size) NativeSync.AdviseRandom((nint)(_base + from), Size - from);
    }

    /// <summary>
    /// Drops the pages of [<paramref name="from"/>, <paramref name="to"/>) from the process's resident set (they stay
    /// in the page cache; see <see cref="NativeSync.ReleasePages"/>). Safe while others read or write the range: an
    /// access after this maps the same page again.
    /// </summary>
    public void ReleasePages(int from, int to)
    {
        from = Math.Max(from, 0);
        to = Math.Min(to, Size);
        if (to <= from || !TryRetain()) return;
        try
        {
            NativeSync.ReleasePages((nint)(_base + from), to - from);
        }
        finally
        {
            Release();
        }
    }

    public bool TryRetain()
    {
        while (true)
        {
            int current = Volatile.Read(ref _references);
            if (current <= 0) return false;
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current) return true;
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) Unmap();
    }

    /// <summary>Drops the owner's reference and deletes the file once the last reader has released it.</summary>
    public void Destroy(bool deleteFile)
    {
        if (Interlocked.Exchange(ref _destroyed, 1) != 0) return;
        _deleteOnUnmap = deleteFile;
        Release();
    }

    private bool _deleteOnUnmap;

    private void Unmap()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
        if (_deleteOnUnmap)
        {
            try { File.Delete(FilePath); } catch (IOException) { /* already gone */ }
        }
    }

    public void Dispose() => Destroy(deleteFile: false);

    public override string ToString() => $"{Path.GetFileName(FilePath)}@{WritePosition}";
}
