using System.Buffers.Binary;
using System.Globalization;
using System.IO.MemoryMappedFiles;
using Rocket.Protocol;
using Rocket.Store.Format;
using Rocket.Store.Log;

namespace Rocket.Store.Recovery;

/// <summary>A log range the verifier reports: <c>damaged</c> (valid records follow it), <c>torn-tail</c> (nothing valid after it) or <c>filled</c> (a range an earlier recovery quarantined).</summary>
public sealed record VerifiedRange(string Kind, string SegmentFile, long Start, long End, long RecordsAffected)
{
    public long Bytes => End - Start;
}

/// <summary>A consume-queue entry that does not lead to a valid record of its own queue.</summary>
public sealed record BadQueueEntry(string Topic, int QueueId, long QueueOffset, long PhysicalOffset, int Size, string Problem);

public sealed record StoreVerifyReport(
    string Directory, int Segments, long LogStart, long LogEnd, long Records,
    IReadOnlyList<VerifiedRange> Damaged, IReadOnlyList<VerifiedRange> Filled,
    int Queues, long QueueEntries, long BadQueueEntryCount, IReadOnlyList<BadQueueEntry> BadQueueEntries)
{
    /// <summary>No damaged range, no torn tail and every consume-queue entry leads to a valid record.</summary>
    public bool Clean => Damaged.Count == 0 && BadQueueEntryCount == 0;
}

/// <summary>
/// Checks a stopped store offline (<c>rocket store verify</c>), changing nothing: holds the store lock while it
/// works (so a running node makes it refuse), walks every commit-log segment checking each record's framing and CRC,
/// resynchronises after damage as recovery does (<see cref="RecordSearch"/>), and checks that every consume-queue
/// entry leads to a valid record of its own topic and queue.
/// </summary>
public static class StoreVerifier
{
    /// <summary>At most this many bad consume-queue entries are listed (all are counted).</summary>
    public const int MaxListedBadEntries = 100;

    /// <exception cref="StoreLockedException">A running node (or another tool) holds the store.</exception>
    /// <exception cref="StoreException">The directory is not a store.</exception>
    public static StoreVerifyReport Verify(string directory)
    {
        directory = Path.GetFullPath(directory);
        string commitLog = Path.Combine(directory, "commitlog");
        if (!Directory.Exists(commitLog))
            throw new StoreException($"{directory} is not a Rocket store: it has no commitlog directory");
        using var storeLock = StoreLock.Acquire(Path.Combine(directory, "lock"));

        var files = Directory.GetFiles(commitLog)
            .Where(f => Path.GetFileName(f) is { Length: 20 } name && name.All(char.IsAsciiDigit))
            .OrderBy(f => f, StringComparer.Ordinal).ToArray();
        var segments = new List<Segment>(files.Length);
        try
        {
            int segmentSize = files.Length == 0 ? 0 : (int)files.Max(f => new FileInfo(f).Length);
            foreach (string file in files) segments.Add(Segment.Open(file, segmentSize));
            var log = WalkLog(segments);
            var (queues, entries, badCount, bad) = CheckQueues(Path.Combine(directory, "consumequeue"), segments, log);
            return new StoreVerifyReport(directory, segments.Count, segments.Count == 0 ? 0 : segments[0].Start, log.End,
                log.Records, log.Damaged, log.Filled, queues, entries, badCount, bad);
        }
        finally
        {
            foreach (var segment in segments) segment.Dispose();
        }
    }

    private sealed class LogWalk
    {
        public long End;
        public long Records;
        public readonly List<VerifiedRange> Damaged = [];
        public readonly List<VerifiedRange> Filled = [];
    }

    private static LogWalk WalkLog(List<Segment> segments)
    {
        var walk = new LogWalk();
        for (int s = 0; s < segments.Count; s++)
        {
            var segment = segments[s];
            var span = segment.Span;
            int p = 0;
            while (p < span.Length)
            {
                var check = MessageRecord.Check(span[p..], segment.Start + p, verifyCrc: true);
                if (check == RecordCheck.Valid)
                {
                    walk.Records++;
                    p += MessageRecord.ReadTotalSize(span[p..]);
                    walk.End = segment.Start + p;
                    continue;
                }
                if (check == RecordCheck.Blank)
                {
                    walk.End = segment.End;
                    break;
                }
                if (check == RecordCheck.Damaged)
                {
                    int size = MessageRecord.ReadTotalSize(span[p..]);
                    walk.Filled.Add(new VerifiedRange("filled", segment.Path, segment.Start + p, segment.Start + p + size, 0));
                    p += size;
                    walk.End = segment.Start + p;
                    continue;
                }
                int anchor = RecordSearch.FindNextValid(span, segment.Start, p + 1);
                bool zeros = span[p..(anchor < 0 ? span.Length : anchor)].IndexOfAnyExcept((byte)0) < 0;
                if (anchor >= 0)
                {
                    // Zeros before the first record of the first segment: the log resumed mid-segment (all files had been deleted).
                    if (!(zeros && s == 0 && walk.Records == 0 && walk.Filled.Count == 0 && walk.Damaged.Count == 0))
                        walk.Damaged.Add(new VerifiedRange("damaged", segment.Path, segment.Start + p, segment.Start + anchor, 0));
                    p = anchor;
                    continue;
                }
                bool laterData = segments.Skip(s + 1).Any(later => RecordSearch.FindNextValid(later.Span, later.Start, 0) >= 0);
                if (laterData)
                    walk.Damaged.Add(new VerifiedRange("damaged", segment.Path, segment.Start + p, segment.End, 0));
                else if (!zeros)
                {
                    int last = span.LastIndexOfAnyExcept((byte)0);
                    walk.Damaged.Add(new VerifiedRange("torn-tail", segment.Path, segment.Start + p, segment.Start + last + 1, 0));
                }
                break;
            }
        }
        return walk;
    }

    private static (int Queues, long Entries, long BadCount, List<BadQueueEntry> Bad) CheckQueues(
        string root, List<Segment> segments, LogWalk log)
    {
        int queues = 0;
        long entries = 0, badCount = 0;
        var bad = new List<BadQueueEntry>();
        var affected = new long[log.Damaged.Count];
        long logStart = segments.Count == 0 ? 0 : segments[0].Start;
        if (!Directory.Exists(root)) return (0, 0, 0, bad);
        foreach (string topicDirectory in Directory.EnumerateDirectories(root).OrderBy(d => d, StringComparer.Ordinal))
        {
            string topic = Path.GetFileName(topicDirectory);
            if (ResourceNames.CheckTopic(topic) is not null) continue;
            foreach (string queueDirectory in Directory.EnumerateDirectories(topicDirectory).OrderBy(d => d, StringComparer.Ordinal))
            {
                if (!int.TryParse(Path.GetFileName(queueDirectory), NumberStyles.None, CultureInfo.InvariantCulture, out int queueId)) continue;
                queues++;
                foreach (string file in Directory.GetFiles(queueDirectory).OrderBy(f => f, StringComparer.Ordinal))
                {
                    string name = Path.GetFileName(file);
                    if (name.Length != 20 || !name.All(char.IsAsciiDigit)) continue;
                    long firstSlot = long.Parse(name, CultureInfo.InvariantCulture) / 20;
                    byte[] bytes = File.ReadAllBytes(file);
                    for (int i = 0; i + 20 <= bytes.Length; i += 20)
                    {
                        long physical = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i));
                        int size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i + 8));
                        if (size <= 0 || physical + size <= logStart) continue; // filler, hole, or a message retention removed
                        entries++;
                        string? problem = CheckEntry(segments, log.End, physical, size, topic, queueId);
                        if (problem is null) continue;
                        badCount++;
                        int range = log.Damaged.FindIndex(r => physical < r.End && physical + size > r.Start);
                        if (range >= 0) affected[range]++;
                        if (bad.Count < MaxListedBadEntries)
                            bad.Add(new BadQueueEntry(topic, queueId, firstSlot + i / 20, physical, size, problem));
                    }
                }
            }
        }
        for (int i = 0; i < affected.Length; i++) log.Damaged[i] = log.Damaged[i] with { RecordsAffected = affected[i] };
        return (queues, entries, badCount, bad);
    }

    private static string? CheckEntry(List<Segment> segments, long logEnd, long physical, int size, string topic, int queueId)
    {
        if (physical + size > logEnd) return $"points past the log's valid end {logEnd}";
        var segment = segments.FirstOrDefault(s => s.Start <= physical && physical < s.End);
        if (segment is null) return "points into no commit-log segment";
        int position = (int)(physical - segment.Start);
        if (position + size > segment.Span.Length) return "crosses the end of its segment";
        var record = segment.Span.Slice(position, size);
        if (MessageRecord.ReadTotalSize(record) != size || MessageRecord.Check(record, physical, verifyCrc: true) != RecordCheck.Valid)
            return "the record there fails its framing or CRC check";
        if (!MessageRecord.TryLocateParts(record, out var parts) || MessageRecord.ReadQueueId(record) != queueId ||
            !record.Slice(parts.TopicOffset, parts.TopicLength).SequenceEqual(System.Text.Encoding.UTF8.GetBytes(topic)))
            return "the record there belongs to another topic or queue";
        return null;
    }

    /// <summary>A segment mapped read-only; a short last file counts as zero-extended, as recovery treats it.</summary>
    private sealed unsafe class Segment : IDisposable
    {
        private readonly MemoryMappedFile? _file;
        private readonly MemoryMappedViewAccessor? _view;
        private readonly byte* _pointer;
        private readonly byte[]? _copy;

        private Segment(string path, long start, int size, MemoryMappedFile? file, MemoryMappedViewAccessor? view, byte[]? copy)
        {
            Path = path;
            Start = start;
            Size = size;
            _file = file;
            _view = view;
            _copy = copy;
            if (view is not null) view.SafeMemoryMappedViewHandle.AcquirePointer(ref _pointer);
        }

        public string Path { get; }
        public long Start { get; }
        public int Size { get; }
        public long End => Start + Size;

        public ReadOnlySpan<byte> Span => _copy is not null ? _copy : new ReadOnlySpan<byte>(_pointer + _view!.PointerOffset, Size);

        public static Segment Open(string path, int segmentSize)
        {
            long start = long.Parse(System.IO.Path.GetFileName(path), CultureInfo.InvariantCulture);
            long length = new FileInfo(path).Length;
            if (length < segmentSize)
            {
                var copy = new byte[segmentSize];
                using var stream = File.OpenRead(path);
                stream.ReadExactly(copy, 0, (int)length);
                return new Segment(path, start, segmentSize, null, null, copy);
            }
            var file = MemoryMappedFile.CreateFromFile(
                new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), null, 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            var view = file.CreateViewAccessor(0, segmentSize, MemoryMappedFileAccess.Read);
            return new Segment(path, start, segmentSize, file, view, null);
        }

        public void Dispose()
        {
            if (_view is not null)
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _view.Dispose();
            }
            _file?.Dispose();
        }
    }
}
