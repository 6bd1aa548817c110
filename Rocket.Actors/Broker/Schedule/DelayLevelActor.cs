using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Metadata;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Store.Health;
using Rocket.Store.Log;
using Rocket.Store.Queue;

namespace Rocket.Broker.Schedule;

/// <summary>
/// Delivers one delay level: reads queue L − 1 of <see cref="SystemTopics.Schedule"/> from its durable progress
/// (group <see cref="SystemTopics.ScheduleProgressGroup"/> in the offsets actor), appends each message that is due to its
/// real topic through the store actor, and commits progress only once the store acknowledged those appends
/// (at-least-once: a crash in between delivers them again, never skips them). Entries are in deliver-time order (one
/// delay, store times ascending), so the head decides: the actor sleeps until the head is due or new entries arrive.
/// </summary>
public sealed class DelayLevelActor : ReceiveActor, IWithTimers
{
    /// <summary>Most messages one append carries: a backlog of due messages goes in batches, not one by one.</summary>
    public const int MaxBatch = 64;

    private static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(5);
    /// <summary>The journal always answers; this only guards against an answer lost with a restarted store actor.</summary>
    private static readonly TimeSpan AppendTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The level's head may be due: look.</summary>
    public sealed class Wake
    {
        public static readonly Wake Instance = new();
        private Wake() { }
    }

    private sealed class RetryAppend
    {
        public static readonly RetryAppend Instance = new();
    }

    private sealed record AppendTimedOut(long BatchId);

    /// <summary>Messages sent to the store and not yet acknowledged; <see cref="End"/> is the progress once they are.</summary>
    private sealed record InFlight(long BatchId, List<MessageToStore> Messages, long End);

    private readonly MessageStore _store;
    private readonly IActorRef _storeActor;
    private readonly IActorRef _offsets;
    private readonly int _level;
    private readonly long _delayMs;
    private readonly Func<long> _nowMs;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Backoff _backoff = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10));
    private IReadOnlyDictionary<string, TopicConfig>? _topics;
    private long _progress = -1; // next queue offset to deliver; -1 until the offsets actor answered
    private InFlight? _inFlight;
    private long _nextBatchId;
    private long _wakeAt = long.MaxValue;

    public ITimerScheduler Timers { get; set; } = null!;

    private int QueueId => _level - 1;

    /// <param name="storeActor">Takes <see cref="AppendBatch"/> and answers <see cref="BatchAppended"/>.</param>
    /// <param name="nowMs">The clock deliver times are compared with (epoch ms); tests move it.</param>
    public DelayLevelActor(MessageStore store, IActorRef storeActor, IActorRef offsets, int level, long delayMs, Func<long>? nowMs = null)
    {
        _store = store;
        _storeActor = storeActor;
        _offsets = offsets;
        _level = level;
        _delayMs = delayMs;
        _nowMs = nowMs ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        Receive<OffsetAnswer>(answer => answer.Group == SystemTopics.ScheduleProgressGroup && answer.QueueId == QueueId, OnProgress);
        Receive<TopicTableChanged>(changed =>
        {
            _topics = changed.Topics;
            Drain();
        });
        Receive<Wake>(_ =>
        {
            _wakeAt = long.MaxValue;
            Drain();
        });
        Receive<MessagesArrived>(_ => Drain());
        Receive<AskProgressAgain>(_ =>
        {
            if (_progress >= 0) return;
            _log.Warning("Delay level {0}: the offsets actor did not tell the schedule's progress within {1} s; asking again", _level, AskAgainAfter.TotalSeconds);
            AskProgress();
        });
        Receive<BatchAppended>(OnAppended);
        Receive<RetryAppend>(_ => SendInFlight());
        Receive<AppendTimedOut>(timedOut =>
        {
            if (_inFlight?.BatchId != timedOut.BatchId) return;
            _log.Warning("Delay level {0}: the store did not answer an append of {1} due message(s) within {2} s; appending them again",
                _level, _inFlight.Messages.Count, AppendTimeout.TotalSeconds);
            SendInFlight();
        });
    }

    public static Props Props(MessageStore store, IActorRef storeActor, IActorRef offsets, int level, long delayMs, Func<long>? nowMs = null) =>
        Akka.Actor.Props.Create(() => new DelayLevelActor(store, storeActor, offsets, level, delayMs, nowMs));

    protected override void PreStart() => AskProgress();

    private void AskProgress()
    {
        _offsets.Tell(new QueryOffset(SystemTopics.ScheduleProgressGroup, SystemTopics.Schedule, QueueId));
        Timers.StartSingleTimer("ask-progress", AskProgressAgain.Instance, AskAgainAfter);
    }

    private sealed class AskProgressAgain
    {
        public static readonly AskProgressAgain Instance = new();
    }

    private void OnProgress(OffsetAnswer answer)
    {
        if (_progress >= 0) return; // a second answer to a repeated question
        Timers.Cancel("ask-progress");
        // No progress yet: the level starts at its queue's first entry.
        _progress = answer.Offset >= 0 ? answer.Offset : _store.GetMinOffset(SystemTopics.Schedule, QueueId);
        _log.Debug("Delay level {0} ({1} ms): delivering from schedule queue offset {2}", _level, _delayMs, _progress);
        Drain();
    }

    /// <summary>Appends the due head of the queue (up to <see cref="MaxBatch"/>), or sleeps until the head is due.</summary>
    private void Drain()
    {
        if (_progress < 0 || _topics is null || _inFlight is not null) return;
        var queue = _store.ConsumeQueues.Find(SystemTopics.Schedule, QueueId);
        if (queue is null) return; // nothing was ever parked here: an arrival wakes us
        if (_progress < queue.MinOffset)
        {
            _log.Warning("Delay level {0}: schedule queue entries {1}..{2} are gone (retention deleted their files) before they were delivered",
                _level, _progress, queue.MinOffset - 1);
            Commit(queue.MinOffset);
        }
        var batch = new List<MessageToStore>();
        long end = _progress, now = _nowMs();
        while (end < queue.MaxOffset && batch.Count < MaxBatch)
        {
            if (!queue.TryGet(end, out var entry)) break;
            if (entry.Size <= 0) { end++; continue; } // a filler or a record recovery found damaged: nothing to deliver
            long due = entry.TagCode;
            if (due > now)
            {
                if (due - now <= _delayMs)
                {
                    SleepUntil(due, now);
                    break;
                }
                // Due later than a whole level's delay from now: the clock went back since it was stored. RocketMQ's rule.
                _log.Warning("Delay level {0}: schedule queue offset {1} is due at {2}, more than {3} ms from now ({4}): the clock went back; delivering it now",
                    _level, end, due, _delayMs, now);
                due = now;
            }
            var parked = Read(entry, end);
            if (parked is not null)
            {
                var restored = ScheduledDelivery.Restore(parked, due, _topics, out var problem);
                if (problem is not null)
                    _log.Warning("Delay level {0}: {1}: {2}{3}", _level, ScheduledDelivery.Describe(parked), problem,
                        restored is null ? "; it is not delivered" : "");
                if (restored is { } message) batch.Add(message);
            }
            end++;
        }
        if (batch.Count == 0)
        {
            if (end > _progress)
            {
                Commit(end);
                Self.Tell(Wake.Instance); // more may be due behind what was skipped
            }
            return;
        }
        _inFlight = new InFlight(++_nextBatchId, batch, end);
        SendInFlight();
    }

    private StoredMessage? Read(ConsumeQueueEntry entry, long queueOffset)
    {
        var outcome = _store.CommitLog.TryRead(entry.PhysicalOffset, entry.Size, out var message);
        if (outcome == ReadOutcome.Ok) return message;
        _log.Warning("Delay level {0}: schedule queue offset {1} (commit-log offset {2}) cannot be delivered: its record is {3}",
            _level, queueOffset, entry.PhysicalOffset, outcome == ReadOutcome.Corrupt ? "corrupt (CRC or framing check failed)" : "gone from the commit log");
        return null;
    }

    private void SleepUntil(long due, long now)
    {
        if (due >= _wakeAt) return; // an earlier wake is already set
        _wakeAt = due;
        Timers.StartSingleTimer("wake", Wake.Instance, TimeSpan.FromMilliseconds(due - now));
    }

    private void SendInFlight()
    {
        var batch = _inFlight!;
        _storeActor.Tell(new AppendBatch(batch.BatchId, batch.Messages.ToArray()));
        Timers.StartSingleTimer("append-timeout", new AppendTimedOut(batch.BatchId), AppendTimeout);
    }

    private void OnAppended(BatchAppended appended)
    {
        if (_inFlight is not { } batch || appended.BatchId != batch.BatchId) return;
        Timers.Cancel("append-timeout");
        var failed = new List<MessageToStore>();
        string? firstError = null;
        for (int i = 0; i < appended.Results.Length; i++)
        {
            var result = appended.Results[i];
            // A flush timeout still stored the message (RocketMQ counts it as sent): not appended again.
            if (result.Status is AppendStatus.Ok or AppendStatus.FlushDiskTimeout) continue;
            if (result.Status is AppendStatus.MessageIllegal or AppendStatus.PropertiesSizeExceeded)
            {
                // The store will refuse it however often it is tried: retrying would stop the whole level for good.
                var m = batch.Messages[i];
                string id = MessageProperties.Get(m.Properties, MessageProperties.UniqueKey) ?? "(no UNIQ_KEY)";
                _log.Error($"Delay level {_level}: the store refuses message {id} for topic {m.Topic} queue {m.QueueId} for good ({result.Status}: {result.Error}); it is not delivered");
                continue;
            }
            failed.Add(batch.Messages[i]);
            firstError ??= $"{result.Status}: {result.Error}";
        }
        if (failed.Count == 0)
        {
            _backoff.Reset();
            _inFlight = null;
            Commit(batch.End);
            Drain();
            return;
        }
        var delay = _backoff.Next();
        _log.Warning($"Delay level {_level}: the store refused {failed.Count} of {batch.Messages.Count} due message(s) ({firstError}); " +
            $"appending them again in {delay.TotalMilliseconds} ms (attempt {_backoff.Attempts}), progress stays at {_progress}");
        _inFlight = batch with { BatchId = ++_nextBatchId, Messages = failed };
        Timers.StartSingleTimer("retry-append", RetryAppend.Instance, delay);
    }

    private void Commit(long progress)
    {
        _progress = progress;
        _offsets.Tell(new CommitOffsets(SystemTopics.ScheduleProgressGroup, [new QueueOffset(SystemTopics.Schedule, QueueId, progress)]));
    }
}
