using System.Globalization;
using Rocket.Protocol;
using Rocket.Store.Log;
using Rocket.Store.Mapped;

namespace Rocket.Store.Queue;

/// <summary>
/// The index of one (topic, queueId): fixed 20-byte entries in memory-mapped files under
/// <c>{root}/{topic}/{queueId}/</c>, so the entry of queue offset n sits at byte n * 20 (O(1) lookup).
/// The projector's thread writes (<see cref="Put"/>, retention); any thread reads. Readers are bounded by
/// <see cref="MaxOffset"/>, which is published only after the bytes below it are written, and hold a reference on
/// a file while reading it, so they take no lock.
/// </summary>
public sealed partial class ConsumeQueue : IDisposable
{
    public const int EntrySize = 20;

    /// <summary>Largest queue offset whose byte position (offset * 20) still fits in a long.</summary>
    private const long MaxQueueOffset = long.MaxValue / EntrySize - 1;

    private readonly SegmentedFile _file;
    private readonly int _entriesPerFile;
    private long _minOffset;
    private long _maxOffset;
    private long _maxPhysicalEnd;
    private volatile bool _disposed;

    public ConsumeQueue(string rootDirectory, string topic, int queueId, int fileSize, Space.StoreSpaceGuard? guard = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        // The topic becomes a directory name: the topic rules also keep it from escaping the root.
        if (ResourceNames.CheckTopic(topic) is { } topicError) throw new ArgumentException(topicError, nameof(topic));
        if (queueId < 0)
            throw new ArgumentOutOfRangeException(nameof(queueId), queueId, "queue id must not be negative");
        if (fileSize <= 0 || fileSize % EntrySize != 0)
            throw new ArgumentOutOfRangeException(nameof(fileSize), fileSize,
                $"consume queue file size must be a positive multiple of {EntrySize} bytes (one entry)");
        Topic = topic;
        QueueId = queueId;
        _entriesPerFile = fileSize / EntrySize;
        _file = new SegmentedFile(Path.Combine(rootDirectory, topic, queueId.ToString(CultureInfo.InvariantCulture)), fileSize, guard: guard);
    }

    public string Topic { get; }
    public int QueueId { get; }

    /// <summary>First queue offset with a real entry still on disk (equals <see cref="MaxOffset"/> when there is none).</summary>
    public long MinOffset => Volatile.Read(ref _minOffset);

    /// <summary>One past the last entry: the queue offset the next <see cref="Put"/> appends at.</summary>
    public long MaxOffset => Volatile.Read(ref _maxOffset);

    /// <summary>Commit-log offset one past the last real entry's message; 0 when there is none.</summary>
    public long MaxPhysicalEnd => Volatile.Read(ref _maxPhysicalEnd);

    internal string Directory => _file.Directory;

    private static long PositionOf(long queueOffset) => queueOffset * EntrySize;

    /// <summary>Queue offset of the first slot still on disk.</summary>
    private long FirstSlotOnDisk => _file.MinOffset / EntrySize;

    /// <summary>Sets all three bounds at once; only for the single writer (projector thread or recovery).</summary>
    private void Publish(long minOffset, long maxOffset, long maxPhysicalEnd)
    {
        Volatile.Write(ref _minOffset, minOffset);
        Volatile.Write(ref _maxPhysicalEnd, maxPhysicalEnd);
        Volatile.Write(ref _maxOffset, maxOffset);
    }

    /// <summary>The slot at <paramref name="queueOffset"/> straight from disk, ignoring the published bounds.</summary>
    private bool TryReadSlot(long queueOffset, out ConsumeQueueEntry entry)
    {
        entry = ConsumeQueueEntry.Filler;
        long position = PositionOf(queueOffset);
        var segment = _file.Find(position);
        if (segment is null || !segment.TryRetain()) return false;
        try
        {
            entry = ConsumeQueueEntry.ReadFrom(segment.ReadOnlySpan((int)(position - segment.StartOffset), EntrySize));
            return true;
        }
        finally
        {
            segment.Release();
        }
    }

    /// <summary>First queue offset in [from, until) holding a real entry, or -1.</summary>
    private long FindRealForward(long from, long until, out ConsumeQueueEntry entry)
    {
        for (long offset = Math.Max(from, FirstSlotOnDisk); offset < until; offset++)
            if (TryReadSlot(offset, out entry) && entry.IsReal) return offset;
        entry = ConsumeQueueEntry.Filler;
        return -1;
    }

    /// <summary>Last queue offset in [floor, before) holding a real entry, or -1.</summary>
    private long FindRealBackward(long before, long floor, out ConsumeQueueEntry entry)
    {
        for (long offset = before - 1; offset >= floor; offset--)
            if (TryReadSlot(offset, out entry) && entry.IsReal) return offset;
        entry = ConsumeQueueEntry.Filler;
        return -1;
    }

    /// <summary>Forces written entries to disk (flush thread). Holds each file so retention cannot unmap it meanwhile.</summary>
    /// <param name="wholePagesOnly">Stop at the last whole page: the page still being filled stays writable.</param>
    public void Flush(bool wholePagesOnly = false)
    {
        foreach (var segment in _file.Segments)
        {
            if (!segment.TryRetain()) continue;
            try
            {
                int written = segment.WritePosition; // read once: the projector keeps writing meanwhile
                segment.Flush(wholePagesOnly ? written - written % Environment.SystemPageSize : written);
            }
            finally
            {
                segment.Release();
            }
        }
    }

    /// <summary>
    /// Drops the pages of entries more than <paramref name="keepTailBytes"/> below the last one from the process's
    /// resident set (flush thread); they stay in the page cache, and a consumer reading far behind maps them again.
    /// </summary>
    public void ReleaseColdPages(int keepTailBytes) => _file.ReleasePagesBelow(PositionOf(MaxOffset) - keepTailBytes);

    /// <summary>Deletes every file of the queue (its topic was deleted) and closes it.</summary>
    public void Delete()
    {
        if (_disposed) return;
        _disposed = true;
        Publish(0, 0, 0);
        _file.DeleteAll();
        _file.Dispose();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _file.Dispose();
    }

    public override string ToString() => $"{Topic}/{QueueId} [{MinOffset}, {MaxOffset})";
}
