namespace Rocket.Broker.Timer;

/// <summary>
/// The timer's files and their rules, single-threaded (the timer actor's thread); no Akka here so that tests drive it
/// directly. Pending timers live in the <see cref="TimerLog"/>, chained per wheel slot through their links; the
/// <see cref="TimerWheel"/> holds each slot's newest record. <see cref="Cursor"/> is the next slot to take:
/// taking a slot detaches its whole chain and returns its timers (the caller delivers each when due).
/// <para>Recovery: the checkpoint says which slots are done (<see cref="TimerCheckpoint.DequeuedSlot"/>); every
/// intact log record of a later slot is pending again and is re-linked (links are derived data, rewritten at every
/// start). Records the log lost after the checkpoint come back by re-reading the timer queue from
/// <see cref="TimerCheckpoint.EnqueueOffset"/>; a timer re-read while its first record survived is taken twice from
/// the same slot and handed out once (duplicates by log offset are dropped per slot).</para>
/// </summary>
public sealed class TimerEngine : IDisposable
{
    private readonly TimerSettings _settings;
    private readonly Action<string> _warn;
    private readonly string _checkpointPath;
    private readonly TimerLog _log;
    private readonly TimerWheel _wheel;
    // Highest slot of any record per log segment (by start offset): a segment whose timers are all done is deleted.
    private readonly SortedDictionary<long, long> _segmentMaxSlot = new();

    public TimerEngine(string directory, TimerSettings settings, Action<string> warn, int recordsPerSegment = TimerLog.DefaultRecordsPerSegment)
    {
        _settings = settings;
        _warn = warn;
        Directory.CreateDirectory(directory);
        _checkpointPath = Path.Combine(directory, CheckpointFileName);
        _log = new TimerLog(Path.Combine(directory, LogDirectoryName), recordsPerSegment);
        _wheel = new TimerWheel(TimerWheel.SlotsFor(settings.MaxDelayMs, settings.PrecisionMs));
    }

    public const string CheckpointFileName = "checkpoint";
    public const string LogDirectoryName = "log";

    public TimerLog Log => _log;

    /// <summary>Next slot to take.</summary>
    public long Cursor { get; private set; }

    /// <summary>The checkpoint read at <see cref="Open"/>.</summary>
    public TimerCheckpoint Recovered { get; private set; } = TimerCheckpoint.Empty;

    /// <summary>Timers linked into the wheel and not yet taken.</summary>
    public long Waiting { get; private set; }

    public long SlotOf(long dueMs) => Math.Max(0, dueMs) / _settings.PrecisionMs;

    /// <summary>When slot <paramref name="slot"/> starts, epoch ms.</summary>
    public long StartOf(long slot) => slot * _settings.PrecisionMs;

    /// <summary>Reads the checkpoint and the log and rebuilds the wheel; <paramref name="nowMs"/> places the cursor.</summary>
    public void Open(long nowMs)
    {
        Recovered = TimerCheckpoint.Read(_checkpointPath, out var problem);
        if (problem is not null) _warn($"timer checkpoint {problem}: the whole timer queue is read again (timers may be delivered twice)");
        long done = Recovered.DequeuedSlot;
        long minPending = long.MaxValue;
        var cut = _log.Recover((position, record) =>
        {
            long segment = position - position % _log.SegmentSize;
            _segmentMaxSlot[segment] = Math.Max(_segmentMaxSlot.GetValueOrDefault(segment, long.MinValue), record.Slot);
            if (record.Slot < done) return;
            Link(position, record.Slot);
            minPending = Math.Min(minPending, record.Slot);
        });
        if (cut is not null) _warn(cut);
        long nowSlot = SlotOf(nowMs);
        // A full lap from here visits every chain: a pending record of a slot more than a lap back is in one of them.
        long lapStart = nowSlot - _wheel.SlotCount + 1;
        Cursor = Waiting > 0 ? Math.Max(Math.Min(minPending, nowSlot), lapStart) : Math.Max(done, nowSlot);
    }

    private void Link(long position, long slot)
    {
        _log.SetLink(position, _wheel.Head(slot));
        _wheel.SetHead(slot, position + 1);
        Waiting++;
    }

    /// <summary>
    /// Adds a timer read from the timer queue. A slot not yet taken gets it in its chain (returns false); when its
    /// slot was already taken it is written for recovery's sake under the last taken slot and the caller must
    /// deliver it itself (returns true, with the record).
    /// </summary>
    public bool Add(long dueMs, long logOffset, int size, out TimerRecord record)
    {
        long slot = SlotOf(dueMs);
        if (slot >= Cursor)
        {
            record = new TimerRecord(dueMs, slot, logOffset, size);
            long position = _log.Append(record, _wheel.Head(slot));
            _wheel.SetHead(slot, position + 1);
            Waiting++;
            Track(position, slot);
            return false;
        }
        record = new TimerRecord(dueMs, Cursor - 1, logOffset, size);
        Track(_log.Append(record, 0), record.Slot);
        return true;
    }

    private void Track(long position, long slot)
    {
        long segment = position - position % _log.SegmentSize;
        _segmentMaxSlot[segment] = Math.Max(_segmentMaxSlot.GetValueOrDefault(segment, long.MinValue), slot);
    }

    /// <summary>
    /// Takes slot <see cref="Cursor"/>: its timers (and any of an earlier slot met in its chain) are returned, the
    /// chain is detached and the cursor moves on. A timer of a later lap sharing the wheel index is written again
    /// and re-linked (RocketMQ's "roll").
    /// </summary>
    public List<TimerRecord> TakeNext()
    {
        long slot = Cursor;
        long link = _wheel.Head(slot);
        _wheel.SetHead(slot, 0);
        var taken = new List<TimerRecord>();
        List<TimerRecord>? later = null;
        HashSet<long>? seen = null;
        while (link != 0)
        {
            long position = link - 1;
            if (position < _log.MinOffset) break; // older records were all done and their segment deleted
            if (!_log.TryRead(position, out var record, out link))
            {
                _warn($"timer log {_log.Directory}: no intact record at byte {position} in the chain of slot {slot}; the rest of that chain is lost");
                break;
            }
            Waiting--;
            if (record.Slot > slot) (later ??= new()).Add(record);
            else if ((seen ??= new()).Add(record.LogOffset)) taken.Add(record);
        }
        if (later is not null)
            foreach (var record in later)
            {
                long position = _log.Append(record, _wheel.Head(record.Slot));
                _wheel.SetHead(record.Slot, position + 1);
                Waiting++;
                Track(position, record.Slot);
            }
        Cursor = slot + 1;
        return taken;
    }

    /// <summary>
    /// Makes progress durable: the log is forced to disk, then the checkpoint written; then log segments whose timers
    /// all belong to slots before <paramref name="dequeuedSlot"/> are deleted. Blocking.
    /// </summary>
    public void Checkpoint(long enqueueOffset, long dequeuedSlot)
    {
        _log.Flush();
        new TimerCheckpoint(enqueueOffset, dequeuedSlot).Write(_checkpointPath);
        while (_log.Segments.Count > 1 && _segmentMaxSlot.TryGetValue(_log.MinOffset, out long max) && max < dequeuedSlot)
        {
            long first = _log.MinOffset;
            if (!_log.DeleteOldest()) break;
            _segmentMaxSlot.Remove(first);
        }
    }

    public void Dispose()
    {
        _log.Dispose();
        _wheel.Dispose();
    }
}
