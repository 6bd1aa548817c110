using Rocket.Store.Mapped;

namespace Rocket.Broker.Timer;

/// <summary>
/// The timer log, <c>{store}/timer/log/</c>: append-only <see cref="TimerRecord"/>s in fixed-size memory-mapped
/// segments (a whole number of records each, so none straddles two files), named by the offset of their first byte
/// like the commit log's. One thread (the timer actor's) reads and writes it.
/// </summary>
public sealed class TimerLog : IDisposable
{
    /// <summary>Records per segment by default: 1 Mi records, 48 MiB.</summary>
    public const int DefaultRecordsPerSegment = 1 << 20;

    private readonly SegmentedFile _file;

    public TimerLog(string directory, int recordsPerSegment = DefaultRecordsPerSegment)
    {
        if (recordsPerSegment <= 0) throw new ArgumentOutOfRangeException(nameof(recordsPerSegment));
        _file = new SegmentedFile(directory, recordsPerSegment * TimerRecord.Length);
    }

    public string Directory => _file.Directory;
    public long MinOffset => _file.MinOffset;
    public long EndOffset => _file.MaxOffset;
    public int SegmentSize => _file.SegmentSize;
    public IReadOnlyList<MappedSegment> Segments => _file.Segments;

    /// <summary>
    /// Drops all but the last few pages from the process's resident set (they stay in the page cache): the records of
    /// a million pending timers are 48 MB, read back only when their slot comes.
    /// </summary>
    public void ReleaseColdPages() => _file.ReleasePagesBelow(EndOffset - (64 << 10));

    /// <summary>
    /// Maps the segments and finds the end: the first position holding no intact record. Whatever follows it is cut
    /// (a torn tail, or damage; the timer queue is re-read from the checkpoint's offset, so what was written after
    /// the checkpoint comes back). Calls <paramref name="onRecord"/> for every intact record in order. Returns a description of what was
    /// cut, or null.
    /// </summary>
    public string? Recover(Action<long, TimerRecord> onRecord)
    {
        _file.Load();
        long position = _file.MinOffset;
        long end = -1;
        foreach (var segment in _file.Segments)
        {
            for (int p = 0; p + TimerRecord.Length <= segment.Size; p += TimerRecord.Length)
            {
                if (!TimerRecord.TryRead(segment.ReadOnlySpan(p, TimerRecord.Length), out var record))
                {
                    end = segment.StartOffset + p;
                    break;
                }
                onRecord(segment.StartOffset + p, record);
            }
            if (end >= 0) break;
            position = segment.EndOffset;
        }
        if (end < 0) end = position;
        var cut = CutFrom(end);
        foreach (var segment in _file.Segments)
        {
            segment.WritePosition = (int)Math.Clamp(end - segment.StartOffset, 0, segment.Size);
            segment.FlushedPosition = segment.WritePosition;
        }
        return cut;
    }

    /// <summary>
    /// Removes whatever lies at or after <paramref name="end"/>: later segment files are deleted, and in the segment
    /// holding it every non-zero record slot is zeroed (only those: zeroing all would dirty the whole file), so that a
    /// stale record can never look like the continuation of the log after a later crash.
    /// </summary>
    private string? CutFrom(long end)
    {
        long intact = 0, garbage = 0;
        var segments = _file.Segments;
        MappedSegment? holder = null;
        foreach (var segment in segments)
        {
            if (segment.StartOffset <= end && end < segment.EndOffset) holder = segment;
            if (segment.EndOffset <= end || (holder is not null && segment != holder && segment.StartOffset < end)) continue;
            for (long p = Math.Max(end, segment.StartOffset) - segment.StartOffset; p + TimerRecord.Length <= segment.Size; p += TimerRecord.Length)
            {
                var span = segment.Span((int)p, TimerRecord.Length);
                if (!span.ContainsAnyExcept((byte)0)) continue;
                if (TimerRecord.TryRead(span, out _)) intact++;
                else garbage++;
                if (segment == holder) span.Clear();
            }
        }
        if (holder is not null && (intact > 0 || garbage > 0)) holder.FlushAll(holder.Size);
        var later = segments.FirstOrDefault(s => s.StartOffset >= end && s != holder && s != segments[0]);
        if (later is not null) _file.TruncateFrom(later.StartOffset);
        return intact + garbage == 0 ? null
            : $"timer log {Directory}: the log ends at byte {end} (no intact record there); cut {intact} intact-looking and {garbage} damaged record slots after it";
    }

    /// <summary>Appends a record linked to <paramref name="link"/>; returns its position.</summary>
    public long Append(in TimerRecord record, long link)
    {
        var segment = _file.GetWritable();
        int p = segment.WritePosition;
        record.Write(segment.Span(p, TimerRecord.Length), link);
        segment.WritePosition = p + TimerRecord.Length;
        return segment.StartOffset + p;
    }

    /// <summary>The intact record at <paramref name="position"/> and its link, or false (gone or damaged).</summary>
    public bool TryRead(long position, out TimerRecord record, out long link)
    {
        record = default;
        link = 0;
        if (_file.Find(position) is not { } segment) return false;
        var span = segment.ReadOnlySpan((int)(position - segment.StartOffset), TimerRecord.Length);
        if (!TimerRecord.TryRead(span, out record)) return false;
        link = TimerRecord.ReadLink(span);
        return true;
    }

    public void SetLink(long position, long link)
    {
        var segment = _file.Find(position) ?? throw new InvalidOperationException($"timer log position {position} is not on disk");
        TimerRecord.WriteLink(segment.Span((int)(position - segment.StartOffset), TimerRecord.Length), link);
    }

    /// <summary>Forces everything written to disk (blocking: msync).</summary>
    public void Flush() => _file.ForceRange(_file.MinOffset, _file.MaxOffset);

    /// <summary>Deletes the oldest segment (never the one being written).</summary>
    public bool DeleteOldest() => _file.DeleteFirst(out _);

    public void Dispose() => _file.Dispose();
}
