using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Event;
using Rocket.Client.Routing;
using Rocket.Protocol;
using Rocket.Protocol.Filtering;

namespace Rocket.Client.Consuming;

/// <summary>
/// The pull loop of one owned queue: finds the start offset, long-polls the broker, and hands messages on:
/// to the push handler on the thread pool (never on this actor's thread), or to the consumer's poll buffer.
/// Pauses while pull-threshold-for-queue messages are unfinished, and reports the consumed offset
/// (the lowest unacknowledged offset, or the next offset to pull when nothing is outstanding).
/// A message the handler did not consume is, when clustering, sent back to the broker (<see cref="ConsumerSendBack"/>)
/// and finished once the broker acknowledged it; if the send-back fails it stays unfinished (its offset is never
/// committed past) and is delivered again here after the retry-later delay. Broadcasting redelivers here only.
/// </summary>
internal sealed partial class QueuePullerActor : ReceiveActor, IWithTimers
{
    private sealed record StartAt(long Offset);
    private sealed record StartFailed(Exception Error);
    private sealed record FindStart;
    private sealed record PullAgain;
    /// <summary>
    /// Checks the outstanding pull's deadline. One periodic timer instead of a timer per pull: a cancelled Akka timer
    /// stays in the scheduler's wheel until its slot comes round (up to ~5 s), so a timer per pull kept thousands of
    /// objects alive at a few thousand pulls a second, and every gen0 collection had to copy them.
    /// </summary>
    private sealed class WatchPull { public static readonly WatchPull Instance = new(); }

    /// <summary>How late a lost pull (long poll + send timeout, about 18 s) may be noticed.</summary>
    private static readonly TimeSpan PullWatchInterval = TimeSpan.FromSeconds(1);
    private sealed record Redeliver(IReadOnlyList<ReceivedMessage> Batch);
    private sealed record SendBackTimedOut(long RequestId);

    private readonly MessageQueue _queue;
    private BrokerLink _broker; // replaced when the queue is read from another broker of its group (ReadFrom)
    private readonly ConsumerConfig _config;
    private readonly SubscriptionFilter _filter;
    private readonly IActorRef _consumer;
    private readonly HandlerCallInbox _returned; // finished handler calls, taken in bursts (see HandlerCallInbox)
    private int _callsOut;                       // handler calls posted and not yet taken back from _returned
    private IActorRef? _flushing;                // the stopping consumer, answered once no call is out
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly UnfinishedOffsets _unfinished = new(); // push: offsets handed to the handler and not yet Success
    private int _buffered;                                   // lite pull: messages in the consumer's poll buffer
    private long _nextOffset;
    private long _reportedOffset = -1;
    private long _requestId;
    private DateTime _pullDeadline; // UTC; the outstanding pull (while _pulling) is given up after it
    private long _redeliveries;
    private readonly Dictionary<long, ReceivedMessage> _sendingBack = new(); // send-back request id → message
    private long _sendBackId;
    private bool _pulling;
    private bool _paused;
    private string? _pathWithAddress; // sent with pulls on the data channel: the broker names the queue's owner by it

    private readonly bool _createdAfterStart;

    /// <param name="knownOffset">Where to start when the consumer already knows (broadcasting keeps offsets locally).</param>
    /// <param name="createdAfterStart">The queue appeared after the consumer started: all its messages are newer.</param>
    /// <param name="readFrom">The broker of the queue's group to read from: its master, or a slave (see ReadBrokers).</param>
    public QueuePullerActor(MessageQueue queue, BrokerAddress readFrom, ConsumerConfig config, long? knownOffset, bool createdAfterStart)
    {
        _createdAfterStart = createdAfterStart;
        _queue = queue;
        _readFrom = readFrom;
        _broker = new BrokerLink(Context, readFrom.Path, config.Client.SendTimeout);
        _config = config;
        _filter = config.Subscriptions[queue.Topic];
        _consumer = Context.Parent;
        _returned = new HandlerCallInbox(Self);

        InitOrderly();
        BrokerResolution();
        OrderlyControl();
        HandlerReturns();
        Receive<FindStart>(_ => FindStartOffset());
        Receive<StartAt>(s =>
        {
            _nextOffset = s.Offset;
            _started = true;
            _consumer.Tell(new QueueStarted(_queue, s.Offset));
            Report();
            Become(Pulling);
            Pull();
        });
        Receive<StartFailed>(f =>
        {
            _log.Warning("cannot find the start offset of {0}: {1}; retrying", _queue, f.Error.Message);
            _consumer.Tell(new QueueStartFailed(_queue, f.Error));
            Timers.StartSingleTimer("start", new FindStart(), TimeSpan.FromSeconds(1));
        });
        if (knownOffset is { } offset) Self.Tell(new StartAt(offset));
        else Self.Tell(new FindStart());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private bool _pullAbandoned; // the broker died during a pull; pull again once it resolves

    private int Outstanding => _config.Kind == ConsumerKind.Push ? _unfinished.Count : _buffered;

    protected override void PreStart() => _broker.Resolve();

    /// <summary>Both behaviours keep the broker link current (see <see cref="BrokerLink"/>).</summary>
    private void BrokerResolution()
    {
        Receive<BrokerLink.Resolved>(r =>
        {
            if (!_broker.OnResolved(r, Timers) || !_pullAbandoned) return;
            _pullAbandoned = false;
            Pull();
        });
        Receive<BrokerLink.ResolveAgain>(_ => _broker.Resolve());
        Receive<Terminated>(t =>
        {
            if (!_broker.OnTerminated(t, Timers)) return;
            AbandonPull();
            _consumer.Tell(new ReadBrokerLost(_queue, _broker.Path));
        });
        Receive<ReadFrom>(SwitchTo);
    }

    /// <summary>Both behaviours take back finished handler calls, and flush them when the consumer stops.</summary>
    private void HandlerReturns()
    {
        Receive<HandlerCallInbox.Drain>(_ => OnHandlersReturned());
        Receive<FlushHandled>(_ => Flush());
    }

    /// <summary>
    /// The broker died: its long-polling pull will never be answered. Waiting for the pull's timeout (15 s long
    /// poll + send timeout) kept this queue idle long after a restarted broker was back (issue 7); pull again as
    /// soon as the broker resolves again.
    /// </summary>
    private void AbandonPull()
    {
        if (!_pulling) return;
        _pulling = false;
        _requestId++; // a late answer to the abandoned pull is ignored
        _pullAbandoned = true;
    }

    private void Pulling()
    {
        BrokerResolution();
        OrderlyControl();
        HandlerReturns();
        Receive<PullResponse>(OnPulled);
        Receive<Producing.PullChannelLost>(l =>
        {
            if (l.RequestId != _requestId || !_pulling) return;
            _pulling = false;
            Pull();
        });
        Receive<WatchPull>(_ =>
        {
            if (!_pulling || DateTime.UtcNow < _pullDeadline) return;
            _pulling = false; // timed out: a late answer to it is ignored
            Pull();
        });
        Receive<PullAgain>(_ => Pull());
        Receive<SendBackResult>(OnSentBack);
        Receive<SendBackTimedOut>(t =>
        {
            if (OnDeadLettered(t.RequestId, ok: false, error: null)) return;
            if (!_sendingBack.Remove(t.RequestId, out var m)) return;
            _log.Warning("the send-back of {0} offset {1} to broker {2} was not answered within {3} s; delivering it again here",
                _queue, m.QueueOffset, _queue.BrokerName, _config.Client.SendTimeout.TotalSeconds);
            RedeliverLater([m]);
        });
        Receive<Redeliver>(r =>
        {
            if (_flushing is null) Deliver(r.Batch); // stopping: they stay unfinished, so the commit stays below them
        });
        Receive<MessagesTaken>(t =>
        {
            _buffered -= t.Count;
            ResumeIfPaused();
        });
    }

    private void FindStartOffset()
    {
        var broker = Context.ActorSelection(_broker.Path);
        var config = _config;
        var queue = _queue;
        StartOffsetLookup.FindAsync(broker, config, queue, _createdAfterStart, config.Client.SendTimeout)
            .PipeTo(Self, success: o => new StartAt(o), failure: e => new StartFailed(e));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Pull()
    {
        if (_pulling || _releasing || _flushing is not null) return;
        if (Outstanding >= _config.Client.PullThresholdForQueue)
        {
            _paused = true; // flow control: resumed when the handler or the application catches up
            return;
        }
        _pulling = true;
        long id = _requestId = Producing.PullRequestIds.Next(); // unique in the process: see ChannelPulls
        var request = new PullRequest(id, _config.Group, _queue.Topic, _queue.QueueId, _nextOffset, _config.Client.PullBatchSize,
            _filter.Expression, (long)ConsumerConfig.LongPollSuspend.TotalMilliseconds, _filter.Type);
        if (_config.Senders is { } senders)
        {
            var sender = senders.For(_readFrom.BrokerName, _broker.Path);
            var path = _pathWithAddress ??= PathWithAddress();
            if (!sender.TryPull(request, Self, path)) sender.Actor.Tell(new Producing.ChannelPull(request, path), Self);
        }
        else _broker.Tell(request, Self);
        _pullDeadline = DateTime.UtcNow + ConsumerConfig.LongPollSuspend + _config.Client.SendTimeout;
        if (!Timers.IsTimerActive(WatchPull.Instance)) Timers.StartPeriodicTimer(WatchPull.Instance, WatchPull.Instance, PullWatchInterval);
    }

    private string PathWithAddress() => Self.Path.ToStringWithAddress(((ExtendedActorSystem)Context.System).Provider.DefaultAddress);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnPulled(PullResponse response)
    {
        if (response.RequestId != _requestId || !_pulling) return; // a late answer to a pull that timed out
        _pulling = false;
        if (_flushing is not null) return; // stopping: these messages stay for the queue's next owner (offset not moved)
        switch (response.Status)
        {
            case PullStatus.Found:
                _refusal = null;
                FollowSuggestion(response.SuggestBrokerId);
                _nextOffset = response.NextOffset;
                // The broker checked the exact tag (after its tag-hash filter) or the SQL92 condition: every message here matches.
                var pulled = response.Messages;
                var received = new ReceivedMessage[pulled.Length];
                for (int i = 0; i < pulled.Length; i++) received[i] = new ReceivedMessage(pulled[i], _queue);
                HandOn(received);
                Pull();
                break;
            case PullStatus.NoNewMessage:
                _refusal = null;
                FollowSuggestion(response.SuggestBrokerId);
                Pull();
                break;
            case PullStatus.NoMatchedMessage:
                _refusal = null;
                _nextOffset = response.NextOffset;
                HandOn([]);
                Pull();
                break;
            case PullStatus.OffsetIllegal:
                _refusal = null;
                _log.Warning("offset {0} of {1} is outside [{2}, {3}]; continuing at {4}",
                    _nextOffset, _queue, response.MinOffset, response.MaxOffset, response.NextOffset);
                _nextOffset = response.NextOffset;
                HandOn([]);
                Pull();
                break;
            default:
                // Refused (topic gone, no read permission, queue not readable): said once, then retried slowly and
                // quietly, since an admin may fix it; a rebalance drops the queue if its route goes away.
                string refusal = $"{response.Status}: {response.Error ?? "no reason given"}";
                if (refusal != _refusal)
                    _log.Error("broker {0} refuses pulls of {1} ({2}); retrying every {3} s", _queue.BrokerName, _queue, refusal,
                        RefusedRetry.TotalSeconds);
                _refusal = refusal;
                Timers.StartSingleTimer("pull-again", new PullAgain(), RefusedRetry);
                break;
        }
    }

    private static readonly TimeSpan RefusedRetry = TimeSpan.FromSeconds(3);
    private string? _refusal; // the last refusal reported, so a repeated one is not logged again

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void HandOn(ReceivedMessage[] messages)
    {
        if (_config.Kind == ConsumerKind.Pull)
        {
            _buffered += messages.Length;
            _consumer.Tell(new MessagesPulled(_queue, messages, _nextOffset));
            return;
        }
        if (_orderly is not null)
        {
            HandOnOrderly(messages);
            return;
        }
        int size = _config.ConsumeBatchSize;
        for (int at = 0; at < messages.Length; at += size)
        {
            // One batch takes the pulled array itself; more take slices of it.
            var batch = messages.Length <= size ? messages : messages[at..Math.Min(at + size, messages.Length)];
            foreach (var m in batch) _unfinished.Add(m.QueueOffset);
            Deliver(batch);
        }
        Report();
    }

    /// <summary>Runs the handler on the thread pool, at most consume-threads at a time across the consumer; a throw counts as RetryLater.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Deliver(IReadOnlyList<ReceivedMessage> batch)
    {
        _callsOut++;
        _config.Handlers!.Post(new HandlerCall<ConsumeResult>(_config.Handler!, batch, ConsumeResult.RetryLater, _returned));
    }

    /// <summary>Every handler call finished since the last drain; the offset report and flow control once for all of them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnHandlersReturned()
    {
        foreach (var call in _returned.TakeAll())
        {
            _callsOut--;
            switch (call)
            {
                case HandlerCall<ConsumeResult> handled: OnHandled(handled); break;
                case HandlerCall<ConsumeOrderlyStatus> handled: OnOrderlyHandled(handled); break;
            }
        }
        Progressed();
        AnswerFlushWhenIdle();
    }

    /// <summary>
    /// The consumer is stopping: nothing new is handed out, and it is answered once every handler call out has come
    /// back (it stops waiting after a while; see ConsumerActor), so results of calls still running count in its commit.
    /// </summary>
    private void Flush()
    {
        _flushing = Sender;
        OnHandlersReturned();
    }

    private void AnswerFlushWhenIdle()
    {
        if (_flushing is null || _callsOut > 0) return;
        _flushing.Tell(PullerFlushed.Instance); // after the offset report OnHandlersReturned made, if any
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnHandled(HandlerCall<ConsumeResult> handled)
    {
        if (handled.Error is { } e)
            _log.Warning("the message handler threw for {0} (offset {1}); delivering again later: {2}", _queue, handled.Batch[0].QueueOffset, e.Message);
        if (handled.Result == ConsumeResult.Success) Finished(handled.Batch);
        else if (_config.SendsBack) SendBack(handled.Batch);
        else RedeliverLater(handled.Batch);
    }

    private void RedeliverLater(IReadOnlyList<ReceivedMessage> batch) =>
        Timers.StartSingleTimer(++_redeliveries, new Redeliver(batch.Select(m => m.Redelivered()).ToArray()), _config.RetryLaterDelay);

    /// <summary>Each message goes back to the broker that stored it (this queue's), which owns its retry state.</summary>
    private void SendBack(IReadOnlyList<ReceivedMessage> batch)
    {
        if (RedeliverInsteadOfSendingBack(batch)) return;
        foreach (var m in batch)
        {
            long id = ++_sendBackId;
            _sendingBack[id] = m;
            _broker.Tell(new ConsumerSendBack(id, _config.Group, m.Pulled.PhysicalOffset, m.MessageId, 0, _config.MaxReconsumeTimes), Self);
            Timers.StartSingleTimer(("send-back", id), new SendBackTimedOut(id), _config.Client.SendTimeout);
        }
    }

    private void OnSentBack(SendBackResult result)
    {
        if (OnDeadLettered(result.RequestId, result.Ok, result.Error)) return;
        if (!_sendingBack.Remove(result.RequestId, out var m)) return; // timed out meanwhile: already delivered again here
        Timers.Cancel(("send-back", result.RequestId));
        if (!result.Ok)
        {
            _log.Warning("broker {0} did not take back {1} offset {2} ({3}); delivering it again here", _queue.BrokerName, _queue, m.QueueOffset, result.Error);
            RedeliverLater([m]);
            return;
        }
        if (result.Topic == _config.RetryTopic) _consumer.Tell(new RetryTopicUsed());
        Finished([m]);
        Progressed();
    }

    /// <summary>Its messages no longer hold the consumed offset back; <see cref="Progressed"/> reports it.</summary>
    private void Finished(IReadOnlyList<ReceivedMessage> batch)
    {
        for (int i = 0; i < batch.Count; i++) _unfinished.Remove(batch[i].QueueOffset);
    }

    private void Progressed()
    {
        Report();
        ResumeIfPaused();
    }

    private void ResumeIfPaused()
    {
        if (!_paused || Outstanding >= _config.Client.PullThresholdForQueue) return;
        _paused = false;
        Pull();
    }

    private void Report()
    {
        if (_config.Kind != ConsumerKind.Push) return;
        long consumed = _unfinished.Count > 0 ? _unfinished.Min : _nextOffset;
        if (consumed == _reportedOffset) return;
        _reportedOffset = consumed;
        _consumer.Tell(new ConsumedOffsetMoved(_queue, consumed));
    }
}
