using System.Globalization;
using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Metadata;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Store.Log;

namespace Rocket.Broker.Timer;

/// <summary>
/// The timer service (<c>/user/broker/timer</c>), on its own thread: it moves timers from the timer topic's consume
/// queue into the on-disk wheel (<see cref="TimerEngine"/>), takes each wheel slot when it starts, delivers every
/// timer once its due time has passed (never before) by appending the rebuilt message through the store actor in
/// batches, and saves its progress (<see cref="TimerCheckpoint"/>) only for timers whose append was acknowledged:
/// at-least-once across crashes. In memory: only the timers of slots already taken and not yet delivered (bounded).
/// <para>A slave keeps its master's progress (<see cref="TimerHandoverFile"/>, copied by the metadata copy). When this
/// service starts and finds it (the slave was promoted), it drops its own timer files and rebuilds the wheel from the
/// timer queue, skipping the timers the master had delivered: none lost, duplicates only for what the master delivered
/// after the copy.</para>
/// </summary>
public sealed class TimerActor : ReceiveActor, IWithTimers
{
    private sealed class Tick { public static readonly Tick Instance = new(); }
    private sealed class SaveProgress { public static readonly SaveProgress Instance = new(); }
    private sealed class Resume { public static readonly Resume Instance = new(); }
    private sealed class Report { public static readonly Report Instance = new(); }

    private const int EnqueueBatch = 1024;
    private const int EnqueueBatchesPerTick = 16;
    private const int DeliveryBatch = 256;
    private const int MaxBatchesInFlight = 16;
    private const int MaxDueInMemory = 100_000;
    private const long MaxEmptySlotsPerTick = 200_000;
    private static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(10);

    private readonly MessageStore _store;
    private readonly IActorRef _storeActor;
    private readonly TimerSettings _settings;
    private readonly string _brokerName;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly PriorityQueue<TimerRecord, long> _due = new();
    private readonly SortedDictionary<long, int> _outstanding = new(); // slot → timers taken, not yet acknowledged
    private readonly Dictionary<long, TimerRecord[]> _inFlight = new();
    // Commit-log offset → count of outstanding timers filed under a later slot than their due time (read late): a
    // slave taking over cannot tell them by due time, so the progress it copies names the smallest.
    private readonly SortedDictionary<long, int> _lateOutstanding = new();
    private ReplicaTimerProgress? _handover; // the master's progress this service started from, until its own checkpoint holds it
    private bool _handoverFileDeleted;
    private long _epochStart; // where this broker's own epoch began: timers below it were written under the master it took over from
    private TimerEngine _engine = null!;
    private IReadOnlyDictionary<string, TopicConfig>? _topics;
    private long _enqueueOffset;
    private long _nextBatchId;
    private long _delivered;
    private bool _dirty;
    private bool _paused;
    private (long Enqueued, long Delivered) _reported;

    public ITimerScheduler Timers { get; set; } = null!;

    public TimerActor(MessageStore store, IActorRef storeActor, TimerSettings settings, string brokerName)
    {
        _store = store;
        _storeActor = storeActor;
        _settings = settings;
        _brokerName = brokerName;
        Receive<Tick>(_ => OnTick());
        Receive<TopicTableChanged>(changed => _topics = changed.Topics);
        Receive<BatchAppended>(OnAppended);
        Receive<SaveProgress>(_ => Save());
        Receive<Report>(_ => OnReport());
        Receive<Resume>(_ => { _paused = false; Deliver(Now()); });
        Receive<GetTimerStatus>(_ => Sender.Tell(new TimerStatus(_enqueueOffset, _engine.Cursor, DequeuedSlot, _engine.Waiting, _due.Count,
            _inFlight.Values.Sum(b => b.Length), _delivered)));
        Receive<GetTimerProgress>(_ => Sender.Tell(new TimerProgressAnswer(new ReplicaTimerProgress(_enqueueOffset,
            _engine.StartOf(DequeuedSlot), _lateOutstanding.Count > 0 ? _lateOutstanding.Keys.First() : long.MaxValue))));
    }

    public static Props Props(MessageStore store, IActorRef storeActor, TimerSettings settings, string brokerName) =>
        Akka.Actor.Props.Create(() => new TimerActor(store, storeActor, settings, brokerName)).WithDispatcher(settings.Dispatcher);

    public static string DirectoryOf(MessageStore store) => Path.Combine(store.Settings.Directory, "timer");

    protected override void PreStart()
    {
        TakeOverFromMaster();
        _engine = new TimerEngine(DirectoryOf(_store), _settings, Warn);
        _engine.Open(Now());
        long min = _store.GetMinOffset(SystemTopics.Timer, 0);
        _enqueueOffset = _handover is null ? _engine.Recovered.EnqueueOffset : min;
        if (_enqueueOffset < min)
        {
            if (_enqueueOffset > 0) Warn($"timer queue offsets {_enqueueOffset}..{min - 1} are gone from the store (retention): those timers are lost");
            _enqueueOffset = min;
        }
        _log.Info("Timer service of broker {0}: {1} timers waiting on disk, next slot {2}, timer queue read from offset {3}",
            _brokerName, _engine.Waiting, _engine.Cursor, _enqueueOffset);
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(_settings.PrecisionMs / 10, 5, 50));
        Timers.StartPeriodicTimer("tick", Tick.Instance, tick);
        Timers.StartPeriodicTimer("save", SaveProgress.Instance, SaveInterval);
        Timers.StartPeriodicTimer("report", Report.Instance, ReportInterval);
    }

    /// <summary>
    /// A handover file (this broker was a slave) holds a newer state than this broker's own timer files: those go, and
    /// the whole timer queue is read again through <see cref="DeliveredByMaster"/>.
    /// </summary>
    private void TakeOverFromMaster()
    {
        string directory = DirectoryOf(_store);
        _handover = TimerHandoverFile.Read(TimerHandoverFile.PathIn(directory), out var problem);
        if (problem is not null)
            Warn($"timer handover {problem}: the timer service starts from its own files (timers the master delivered may come again)");
        if (_handover is null) return;
        _epochStart = _store.Epochs is { Count: > 0 } epochs ? epochs[^1].StartOffset : 0;
        string late = _handover.LateFromLogOffset == long.MaxValue ? "none" : _handover.LateFromLogOffset.ToString(CultureInfo.InvariantCulture);
        _log.Info("Timer service of broker {0}: resuming from the master's progress (timer queue read to {1}, delivered before {2} ms, " +
                  "late timers from log offset {3}, own epoch from log offset {4}); its own older timer files are dropped",
            _brokerName, _handover.EnqueueOffset, _handover.DeliveredBeforeMs, late, _epochStart);
        if (Directory.Exists(Path.Combine(directory, TimerEngine.LogDirectoryName))) Directory.Delete(Path.Combine(directory, TimerEngine.LogDirectoryName), recursive: true);
        File.Delete(Path.Combine(directory, TimerEngine.CheckpointFileName));
    }

    /// <summary>
    /// Whether the master this service took over from had delivered (and saw acknowledged) this parked timer: read by
    /// it, due before its first open slot, not among its late ones, and written before this broker's epoch (a timer
    /// parked here since the promotion may take a queue offset the old master used for a timer this log never got).
    /// </summary>
    private bool DeliveredByMaster(StoredMessage parked, long dueMs) =>
        _handover is { } h && parked.QueueOffset < h.EnqueueOffset && dueMs < h.DeliveredBeforeMs
        && parked.PhysicalOffset < h.LateFromLogOffset && parked.PhysicalOffset < _epochStart;

    /// <summary>While timers move, an INFO line every 10 s says how far behind each stage is.</summary>
    private void OnReport()
    {
        if ((_enqueueOffset, _delivered) == _reported) return;
        _reported = (_enqueueOffset, _delivered);
        long now = Now();
        _log.Info("Timer service of broker {0}: " + string.Create(CultureInfo.InvariantCulture,
            $"timer queue read to {_enqueueOffset} of {_store.GetMaxOffset(SystemTopics.Timer, 0)}; {_engine.Waiting} waiting on disk, " +
            $"{_due.Count} due in memory, {_inFlight.Values.Sum(b => b.Length)} in flight; {_delivered} delivered since start; " +
            $"slots taken up to {now - _engine.StartOf(_engine.Cursor)} ms ago"), _brokerName);
    }

    protected override void PostStop()
    {
        try
        {
            if (_dirty) _engine.Checkpoint(_enqueueOffset, DequeuedSlot);
        }
        catch (Exception e)
        {
            _log.Warning("Timer service of broker {0}: could not save its progress at stop ({1}); timers since the last save are delivered again after restart", _brokerName, e.Message);
        }
        _engine?.Dispose();
    }

    /// <summary>First slot with a timer not yet acknowledged (everything before it is delivered).</summary>
    private long DequeuedSlot => _outstanding.Count > 0 ? Math.Min(_outstanding.Keys.First(), _engine.Cursor) : _engine.Cursor;

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private void Warn(string message) => _log.Warning("Broker {0}: {1}", _brokerName, message);

    private void OnTick()
    {
        Enqueue();
        long now = Now();
        TakeStartedSlots(now);
        Deliver(now);
    }

    /// <summary>Moves new timers from the timer topic's consume queue into the wheel.</summary>
    private void Enqueue()
    {
        for (int round = 0; round < EnqueueBatchesPerTick; round++)
        {
            var read = _store.GetMessages(SystemTopics.Timer, 0, _enqueueOffset, EnqueueBatch, maxBytes: 16 << 20);
            switch (read.Status)
            {
                case GetMessageStatus.Found:
                case GetMessageStatus.NoMatchedMessage:
                    foreach (var parked in read.Messages) Add(parked);
                    break;
                case GetMessageStatus.OffsetTooSmall:
                    Warn($"timer queue offsets {_enqueueOffset}..{read.NextBeginOffset - 1} are gone from the store (retention): those timers are lost");
                    break;
                case GetMessageStatus.OffsetFoundNull:
                    Warn($"timer queue offsets {_enqueueOffset}..{read.NextBeginOffset - 1} point at commit-log data that is gone: those timers are lost");
                    break;
                case GetMessageStatus.OffsetOverflowBadly:
                    Warn($"the timer queue ends at {read.MaxOffset}, before the timer's progress {_enqueueOffset}: continuing from its end");
                    break;
                default:
                    return; // caught up, or no timer queue yet
            }
            if (read.NextBeginOffset == _enqueueOffset) return;
            _enqueueOffset = read.NextBeginOffset;
            _dirty = true;
            if (read.Status != GetMessageStatus.Found || read.NextBeginOffset >= read.MaxOffset) return;
        }
    }

    private void Add(StoredMessage parked)
    {
        var text = MessageProperties.Get(parked.Properties, MessageProperties.TimerOutMs);
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long dueMs))
        {
            Warn($"timer message {parked.UniqueKey} at commit-log offset {parked.PhysicalOffset} has no valid {MessageProperties.TimerOutMs} ('{text}'): delivered now");
            dueMs = parked.StoreTimestamp;
        }
        if (DeliveredByMaster(parked, dueMs)) return;
        if (_engine.Add(dueMs, parked.PhysicalOffset, parked.StoreSize, out var record)) AddDue(record);
    }

    private void TakeStartedSlots(long now)
    {
        long nowSlot = _engine.SlotOf(now);
        long budget = MaxEmptySlotsPerTick;
        while (_engine.Cursor <= nowSlot && _due.Count < MaxDueInMemory && budget-- > 0)
            foreach (var record in _engine.TakeNext()) AddDue(record);
    }

    private void AddDue(TimerRecord record)
    {
        _due.Enqueue(record, record.DueMs);
        _outstanding[record.Slot] = _outstanding.GetValueOrDefault(record.Slot) + 1;
        if (IsLate(record)) _lateOutstanding[record.LogOffset] = _lateOutstanding.GetValueOrDefault(record.LogOffset) + 1;
    }

    private bool IsLate(TimerRecord record) => record.Slot > _engine.SlotOf(record.DueMs);

    private void Done(TimerRecord record)
    {
        int left = _outstanding[record.Slot] - 1;
        if (left == 0) _outstanding.Remove(record.Slot);
        else _outstanding[record.Slot] = left;
        if (IsLate(record) && _lateOutstanding.TryGetValue(record.LogOffset, out int late))
        {
            if (late == 1) _lateOutstanding.Remove(record.LogOffset);
            else _lateOutstanding[record.LogOffset] = late - 1;
        }
        _delivered++;
        _dirty = true;
    }

    /// <summary>Appends every timer whose due time has passed, in batches, a few batches in flight at most.</summary>
    private void Deliver(long now)
    {
        if (_topics is null || _paused) return; // nothing is delivered before the topic table is known
        while (_inFlight.Count < MaxBatchesInFlight && _due.TryPeek(out _, out long due) && due <= now)
        {
            var records = new List<TimerRecord>(DeliveryBatch);
            var messages = new List<MessageToStore>(DeliveryBatch);
            while (records.Count < DeliveryBatch && _due.TryPeek(out var record, out due) && due <= now)
            {
                _due.Dequeue();
                if (Prepare(record) is { } message)
                {
                    records.Add(record);
                    messages.Add(message);
                }
                else Done(record);
            }
            if (records.Count == 0) continue;
            long batchId = ++_nextBatchId;
            _inFlight[batchId] = records.ToArray();
            _storeActor.Tell(new AppendBatch(batchId, messages.ToArray()));
        }
    }

    /// <summary>The message to append for a due timer, or null (with a warning) when it cannot be delivered.</summary>
    private MessageToStore? Prepare(TimerRecord record)
    {
        var parked = _store.ReadMessage(record.LogOffset, record.Size);
        if (parked is null)
        {
            Warn($"the timer message at commit-log offset {record.LogOffset} (due {record.DueMs}) cannot be read (deleted by retention or damaged): not delivered");
            return null;
        }
        if (TimerDelivery.Rebuild(parked, record.DueMs, out var realTopic) is not { } message)
        {
            Warn($"timer message {parked.UniqueKey} at commit-log offset {record.LogOffset} names no valid {MessageProperties.RealTopic}/{MessageProperties.RealQueueId}: not delivered");
            return null;
        }
        if (!_topics!.TryGetValue(realTopic!, out var topic))
        {
            Warn($"timer message {parked.UniqueKey} is due but its topic '{realTopic}' no longer exists: not delivered");
            return null;
        }
        if (message.QueueId >= topic.WriteQueues)
        {
            int queue = message.QueueId % topic.WriteQueues;
            Warn($"timer message {parked.UniqueKey}: queue {message.QueueId} of topic '{realTopic}' no longer exists (write queues: {topic.WriteQueues}); delivered to queue {queue}");
            message = message with { QueueId = queue };
        }
        return message;
    }

    private void OnAppended(BatchAppended appended)
    {
        if (!_inFlight.Remove(appended.BatchId, out var records)) return;
        string? failure = null;
        for (int i = 0; i < records.Length; i++)
        {
            var result = appended.Results[i];
            if (result.Status is AppendStatus.Ok or AppendStatus.FlushDiskTimeout) Done(records[i]); // a timeout is written, only not yet known flushed
            else if (result.Status is AppendStatus.MessageIllegal or AppendStatus.PropertiesSizeExceeded)
            {
                Warn($"timer message at commit-log offset {records[i].LogOffset} was refused by the store ({result.Status}: {result.Error}): not delivered");
                Done(records[i]);
            }
            else
            {
                failure ??= $"{result.Status}: {result.Error}";
                _due.Enqueue(records[i], records[i].DueMs); // still outstanding: tried again
            }
        }
        if (failure is not null && !_paused)
        {
            Warn($"the store did not take due timer messages ({failure}); trying again in {RetryAfterFailure.TotalSeconds:F0} s");
            _paused = true;
            Timers.StartSingleTimer("resume", Resume.Instance, RetryAfterFailure);
        }
        Deliver(Now());
    }

    /// <summary>
    /// Once the own checkpoint covers every timer the handover speaks of (the timer queue read past the master's
    /// progress, or past everything written before this broker's epoch), the handover file goes: a restart then
    /// trusts the own files.
    /// </summary>
    private void ForgetHandover(long enqueuedBeforeSave)
    {
        if (_handover is null || _handoverFileDeleted) return;
        bool projectedPastEpochStart = _store.ProjectedOffset >= _epochStart; // read first: the queue's end below then holds every older timer
        if (enqueuedBeforeSave < _handover.EnqueueOffset && !(projectedPastEpochStart && enqueuedBeforeSave >= _store.GetMaxOffset(SystemTopics.Timer, 0)))
            return;
        File.Delete(TimerHandoverFile.PathIn(DirectoryOf(_store)));
        _handoverFileDeleted = true;
    }

    private void Save()
    {
        if (!_dirty) return;
        try
        {
            _engine.Checkpoint(_enqueueOffset, DequeuedSlot);
            _dirty = false;
            ForgetHandover(_enqueueOffset);
            if (_store.Settings.ResidentCommitLogTail >= 0) _engine.Log.ReleaseColdPages(); // rocket.store.release-cold-pages
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warn($"the timer's progress could not be saved ({e.Message}); trying again in {SaveInterval.TotalSeconds:F0} s");
        }
    }
}
