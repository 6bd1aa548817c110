using Akka.Actor;
using Akka.Event;
using Rocket.Client.Routing;
using Rocket.Protocol;

namespace Rocket.Client.Consuming;

/// <summary>
/// One consumer's membership and bookkeeping: heartbeats, rebalancing (on start, on <see cref="RebalanceNeeded"/>,
/// every 20 s), one <see cref="QueuePullerActor"/> per owned queue, consumed offsets (committed to the brokers
/// periodically, when a queue is dropped and on stop; kept in memory for broadcasting), and for lite pull the
/// poll buffer.
/// </summary>
internal sealed partial class ConsumerActor : ReceiveActor, IWithTimers
{
    private sealed record PullerEntry(IActorRef Puller, BrokerAddress ReadFrom);
    private sealed record Waiter(TaskCompletionSource<IReadOnlyList<ReceivedMessage>> Reply);

    private sealed class QueueBuffer(IActorRef puller)
    {
        public IActorRef Puller { get; } = puller;
        public Queue<ReceivedMessage> Messages { get; } = new();
        public long NextOffset { get; set; }
    }

    private readonly RocketClient _client;
    private readonly ConsumerConfig _config;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<MessageQueue, PullerEntry> _pullers = new();
    private readonly Dictionary<MessageQueue, long> _consumed = new();
    private readonly HashSet<MessageQueue> _dirty = new();
    private readonly Dictionary<MessageQueue, QueueBuffer> _buffers = new(); // lite pull only
    private readonly Dictionary<long, Waiter> _waiters = new();                // lite pull only
    private IReadOnlyDictionary<string, string> _brokerPaths = new Dictionary<string, string>();
    private readonly ReadBrokers _read = new();
    private readonly BrokerSelections _selections = new(Context.System); // commits and heartbeats, every interval
    // StartAsync completes only when the first rebalance is applied and every queue it gave us knows where it starts:
    // from then on nothing sent can be skipped.
    private TaskCompletionSource? _starting;
    private readonly Dictionary<MessageQueue, string?> _startPending = new(); // queue → its last start failure, if any
    // Readable queues of the first rebalance. A queue seen only later was created after the start, so it holds only
    // messages sent after StartAsync: under ConsumeFrom.Last it starts at its first offset, not its last.
    private HashSet<MessageQueue>? _queuesAtStart;
    private Exception? _firstRebalanceError; // why the first rebalance failed last; it is tried again until the start times out
    private bool _rebalancing;
    private bool _retryRouteMissing;                 // the last rebalance found no route for the group's retry topic
    private TimeSpan _retryRouteWait = TimeSpan.Zero; // the pause before looking for it again (doubles, up to the rebalance interval)
    private bool _rebalanceAgain;
    private bool _refreshAgain; // the rebalance asked for meanwhile fetches the routes afresh
    private long _nextPollId;
    private int _pullerNames;
    private StopConsumer? _stopping;       // set when the stop began: pullers flush, then the commit
    private HashSet<IActorRef>? _unflushed; // pullers whose PullerFlushed has not come yet

    /// <summary>
    /// How long a stop waits for handler calls still running, so their results count in its commit: up to a second, and
    /// at most half the send timeout, which bounds StopAsync.
    /// </summary>
    private TimeSpan StopFlushWait => TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, _config.Client.SendTimeout.Ticks / 2));

    /// <summary>StartAsync waits for the first rebalance, which has not succeeded yet.</summary>
    private bool FirstRebalancePending => _starting is not null && _queuesAtStart is null;

    public ConsumerActor(RocketClient client, ConsumerConfig config)
    {
        _client = client;
        _config = config;
        if (config.LoadedOffsets is { } loaded)
            foreach (var (queue, offset) in loaded) _consumed[queue] = offset; // broadcasting resumes from its local file

        Receive<StartConsumer>(s =>
        {
            _starting = s.Reply;
            // Assign mode is no group member: no heartbeat, so no rebalance notices for the group's other consumers.
            if (config.Assigned is null)
                Timers.StartPeriodicTimer("heartbeat", new ConsumerTicks.Heartbeat(), config.Client.HeartbeatBrokerInterval);
            Timers.StartPeriodicTimer("rebalance", new ConsumerTicks.Rebalance(), ConsumerConfig.RebalanceInterval);
            Timers.StartPeriodicTimer("commit", new ConsumerTicks.CommitOffsets(), config.Client.PersistConsumerOffsetInterval);
            Timers.StartSingleTimer("start-timeout", new ConsumerTicks.StartTimedOut(), config.Client.ConsumerStartTimeout);
            if (config.LocksQueues) Timers.StartPeriodicTimer("lock-all", new Orderly.OrderlyTicks.LockAll(), config.Client.RebalanceLockInterval);
            Rebalance();
        });
        Receive<QueueStarted>(q =>
        {
            if (_startPending.Remove(q.Queue)) CompleteStartIfReady();
        });
        Receive<QueueStartFailed>(f =>
        {
            if (_startPending.ContainsKey(f.Queue)) _startPending[f.Queue] = f.Error.Message;
        });
        Receive<ConsumerTicks.StartTimedOut>(_ => FailStart());
        Receive<ConsumerTicks.Heartbeat>(_ =>
        {
            var heartbeat = Consuming.RebalancePlanner.Heartbeat(_config, Self);
            foreach (var path in _brokerPaths.Values.Concat(SlaveReadPaths()).Distinct()) _selections.For(path).Tell(heartbeat, Self);
        });
        Receive<ConsumerTicks.Rebalance>(_ => Rebalance());
        SlaveReading();
        Receive<RebalanceNeeded>(r =>
        {
            if (r.Group == _config.Group) Rebalance();
        });
        Receive<RebalancePlanned>(Apply);
        Receive<RetryTopicUsed>(_ =>
        {
            // The retry topic exists now: a route still missing is gossip on its way; look for it at the fast pace again.
            if (!_retryRouteMissing) return;
            _retryRouteWait = TimeSpan.Zero;
            Rebalance();
        });
        Receive<RebalanceFailed>(f =>
        {
            _rebalancing = false;
            _log.Warning("rebalance of group {0} failed: {1}", _config.Group, f.Error.Message);
            // A seed or broker silent for a moment (one just restarted, its connection still gated) does not fail the
            // start: the first rebalance is tried again until consumer-start-timeout, whose error names this failure.
            if (FirstRebalancePending) _firstRebalanceError = f.Error;
            ScheduleRecheck(); // e.g. the member list asked of a master that just died: look at fresh routes soon
        });
        Receive<ConsumedOffsetMoved>(m =>
        {
            // Dropped meanwhile, or from a puller replaced by a seek or an offset reset (its positions are the old ones).
            if (!_pullers.TryGetValue(m.Queue, out var entry) || !entry.Puller.Equals(Sender)) return;
            _consumed[m.Queue] = m.Offset;
            _dirty.Add(m.Queue);
        });
        Receive<ConsumerTicks.CommitOffsets>(_ =>
        {
            if (_config.Kind == ConsumerKind.Pull && !_config.AutoCommit) return;
            // Clustering sends every owned queue's offset, moved or not (as RocketMQ's persistAll does): a commit is a
            // one-way message, and one lost (a master just restarted, its connection still gated) is sent again here.
            // The broker writes only offsets that changed.
            Commit(_config.Model == MessageModel.Clustering ? _consumed.Keys.Union(_dirty).ToArray() : _dirty.ToArray());
        });
        Receive<MessagesPulled>(OnPulled);
        Receive<ResetConsumerOffsets>(OnReset);
        Receive<SeekQueue>(OnSeek);
        OrderlyLocking();
        Receive<PollMessages>(OnPoll);
        Receive<ConsumerTicks.PollExpired>(e =>
        {
            if (_waiters.Remove(e.PollId, out var w)) w.Reply.TrySetResult([]);
        });
        Receive<CommitPolled>(c =>
        {
            Commit(_dirty.ToArray());
            c.Reply.TrySetResult();
        });
        Receive<StopConsumer>(s =>
        {
            if (_stopping is not null) return; // Consumer.StopAsync sends it once
            _stopping = s;
            _unflushed = _pullers.Values.Select(p => p.Puller).ToHashSet();
            if (_unflushed.Count == 0)
            {
                Stop(s);
                return;
            }
            foreach (var puller in _unflushed) puller.Tell(FlushHandled.Instance);
            Timers.StartSingleTimer("stop-flush", new ConsumerTicks.StopFlushTimedOut(), StopFlushWait);
        });
        Receive<PullerFlushed>(_ =>
        {
            if (_unflushed is null || !_unflushed.Remove(Sender) || _unflushed.Count > 0) return;
            Stop(_stopping!);
        });
        Receive<ConsumerTicks.StopFlushTimedOut>(_ =>
        {
            if (_unflushed is not { Count: > 0 }) return;
            _log.Info("group {0}: handler calls of {1} queue(s) were still running after {2} s; committing without them (they are delivered again)",
                _config.Group, _unflushed.Count, StopFlushWait.TotalSeconds);
            Stop(_stopping!);
        });
    }

    /// <summary>The stop itself, once the pullers flushed: commits, unlocks, leaves the group and stops the actor.</summary>
    private void Stop(StopConsumer s)
    {
        _unflushed = null;
        Timers.Cancel("stop-flush");
        foreach (var q in _pullers.Keys.ToArray()) Context.Stop(_pullers[q].Puller);
        if (!(_config.Kind == ConsumerKind.Pull && !_config.AutoCommit))
        {
            Commit(_consumed.Keys.ToArray());
            WarnOffsetsWithoutMaster();
        }
        UnlockAll(); // after the commit: the next owner reads the committed offset once it has the lock
        LeaveGroup();
        foreach (var w in _waiters.Values) w.Reply.TrySetResult([]);
        _waiters.Clear();
        if (_config.LocalOffsets is { } local)
        {
            // StopAsync returns once the last broadcasting offsets are on disk.
            var reply = s.Reply;
            local.CloseAsync(new Dictionary<MessageQueue, long>(_consumed)).ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully) reply.TrySetResult();
                else reply.TrySetException(new RocketClientException(
                    $"group '{_config.Group}': could not write the local offsets to {local.Path}: {t.Exception?.GetBaseException().Message}"));
            }, TaskScheduler.Default);
        }
        else s.Reply.TrySetResult();
        Context.Stop(Self);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PostStop()
    {
        _starting?.TrySetException(new RocketClientException($"consumer of group '{_config.Group}' stopped before it started"));
        foreach (var w in _waiters.Values) w.Reply.TrySetResult([]);
    }

    private void LeaveGroup()
    {
        var unregister = new UnregisterConsumer(_config.ClientId, _config.Group);
        foreach (var path in _brokerPaths.Values) _selections.For(path).Tell(unregister, Self);
    }

    private void CompleteStartIfReady()
    {
        if (_starting is null || _queuesAtStart is null || _startPending.Count > 0) return;
        Timers.Cancel("start-timeout");
        _starting.TrySetResult();
        _starting = null;
    }

    /// <summary>consumer-start-timeout passed: fail StartAsync naming what is missing, and stop (a later StartAsync may retry).</summary>
    private void FailStart()
    {
        if (_starting is not { } starting) return;
        var timeout = _config.Client.ConsumerStartTimeout;
        string missing = _queuesAtStart is null
            ? "the first rebalance (group membership and queue assignment) did not finish"
              + (_firstRebalanceError is { } error ? $": {error.Message}" : "")
            : "no start offset yet for " + string.Join(", ", _startPending.Select(kv =>
                kv.Value is null ? $"{kv.Key} (its broker did not answer)" : $"{kv.Key} ({kv.Value})"));
        starting.TrySetException(new RocketClientException(
            $"consumer of group '{_config.Group}' did not start within {timeout.TotalSeconds:0.#} s (rocket.client.consumer-start-timeout): {missing}",
            RocketErrorCode.ConsumerStartTimeout, _firstRebalanceError));
        _starting = null;
        LeaveGroup();
        Context.Stop(Self);
    }

    private void Rebalance(bool refreshRoutes = false)
    {
        if (_stopping is not null) return; // the stop commits the queues held now
        if (_rebalancing)
        {
            _rebalanceAgain = true;
            _refreshAgain |= refreshRoutes;
            return;
        }
        _rebalancing = true;
        (_config.Assigned is { } assigned
                ? AssignedQueues.PlanAsync(_client, assigned, refreshRoutes)
                : Consuming.RebalancePlanner.PlanAsync(_client, _config, Self, refreshRoutes))
            .PipeTo(Self, failure: e => new RebalanceFailed(e));
    }

    private void Apply(RebalancePlanned plan)
    {
        _rebalancing = false;
        // Keep the paths of brokers we may still have to commit to or unregister from.
        var paths = new Dictionary<string, string>(_brokerPaths);
        foreach (var (name, path) in plan.BrokerPaths) paths[name] = path;
        _brokerPaths = paths;
        _read.Update(plan.Groups ?? new Dictionary<string, BrokerAddress[]>());

        _queuesAtStart ??= (plan.Readable ?? plan.Assigned).ToHashSet();
        var assigned = plan.Assigned.ToHashSet();
        foreach (var queue in _pullers.Keys.Where(q => !assigned.Contains(q)).ToArray()) Drop(queue);
        if (_config.LocksQueues) AssignLocked(plan.Assigned); // a puller starts once its queue's lock is granted
        else
            foreach (var queue in plan.Assigned)
                if (!_pullers.ContainsKey(queue) && _read.For(queue) is { } broker) StartPuller(queue, broker);
        FollowReadBrokers();
        if (plan.Assigned.Count > 0 || _config.Subscriptions.Count > 0)
            _log.Debug("group {0}: {1} owns {2} queue(s)", _config.Group, _config.ClientId, _pullers.Count);

        CompleteStartIfReady();
        // A subscribed topic without queues is usually one about to be created: look again soon rather than at
        // the next periodic rebalance (20 s later). The group's retry topic may not exist for a long time (nothing
        // failed yet; the broker creates it on our heartbeat): looked for with a growing pause, never spinning.
        var missing = plan.TopicsWithoutQueues ?? [];
        _retryRouteMissing = _config.RetryTopic is { } retryTopic && missing.Contains(retryTopic);
        if (missing.Any(t => t != _config.RetryTopic)) Timers.StartSingleTimer("route-retry", new ConsumerTicks.Rebalance(), ConsumerConfig.MissingRouteRetry);
        else if (_retryRouteMissing)
        {
            _retryRouteWait = _retryRouteWait == TimeSpan.Zero ? ConsumerConfig.MissingRouteRetry
                : TimeSpan.FromTicks(Math.Min(_retryRouteWait.Ticks * 2, ConsumerConfig.RebalanceInterval.Ticks));
            Timers.StartSingleTimer("route-retry", new ConsumerTicks.Rebalance(), _retryRouteWait);
        }
        if (!_retryRouteMissing) _retryRouteWait = TimeSpan.Zero;
        if (_rebalanceAgain)
        {
            _rebalanceAgain = false;
            bool refresh = _refreshAgain;
            _refreshAgain = false;
            Rebalance(refresh);
        }
    }

    private IActorRef StartPuller(MessageQueue queue, BrokerAddress broker)
    {
        // Broadcasting offsets live here; clustering asks the broker, unless we already know better.
        long? known = _consumed.TryGetValue(queue, out var offset) ? offset : null;
        bool createdAfterStart = !_queuesAtStart!.Contains(queue);
        var kept = _keptForMaster.Remove(queue, out var keptOffset); // ours again before a master came back: continue there
        if (kept && _config.Model == MessageModel.Clustering) { known = keptOffset; _consumed[queue] = keptOffset; _dirty.Add(queue); }
        var puller = StartPullerAt(queue, broker, known, createdAfterStart);
        if (_starting is not null) _startPending[queue] = null;
        return puller;
    }

    private IActorRef StartPullerAt(MessageQueue queue, BrokerAddress broker, long? known, bool createdAfterStart)
    {
        var config = _config;
        var puller = Context.ActorOf(Props.Create(() => new QueuePullerActor(queue, broker, config, known, createdAfterStart)), $"queue-{++_pullerNames}");
        _pullers[queue] = new PullerEntry(puller, broker);
        NoteReadFrom(queue, broker);
        if (_config.Kind == ConsumerKind.Pull) _buffers[queue] = new QueueBuffer(puller) { NextOffset = known ?? 0 };
        return puller;
    }

    /// <summary>
    /// Continues an owned queue at <paramref name="offset"/>: a new puller starts there; the old one's in-flight pull,
    /// unfinished handler batches and buffered messages no longer count (their offsets are the old position).
    /// </summary>
    private void RestartAt(MessageQueue queue, long offset)
    {
        _consumed[queue] = offset;
        _dirty.Add(queue);
        if (!_pullers.Remove(queue, out var entry)) return;
        Context.Stop(entry.Puller);
        StartPullerAt(queue, entry.ReadFrom, offset, createdAfterStart: false);
    }

    /// <summary>The broker reset the group's offsets (resetOffsetByTime): adopt them, then tell it so (see OffsetResetActor).</summary>
    private void OnReset(ResetConsumerOffsets reset)
    {
        if (reset.Group != _config.Group) return;
        int adopted = 0;
        foreach (var o in reset.Offsets)
        {
            var queue = new MessageQueue(reset.Topic, reset.BrokerName, o.QueueId);
            // Clustering adopts only the queues it owns (the broker stored the others' offsets); broadcasting keeps every queue's.
            if (!_pullers.ContainsKey(queue) && _config.Model == MessageModel.Clustering) continue;
            RestartAt(queue, o.Offset);
            adopted++;
        }
        _log.Info("group {0}: {1} adopted the offset reset of topic {2} on broker {3} ({4} queue(s))",
            _config.Group, _config.ClientId, reset.Topic, reset.BrokerName, adopted);
        // Through the broker path commits use, so the answer arrives before any commit sent after it.
        var answer = new ConsumerOffsetsAdopted(_config.ClientId, _config.Group, reset.Topic, reset.Epoch);
        if (_brokerPaths.TryGetValue(reset.BrokerName, out var path)) _selections.For(path).Tell(answer, Self);
        else Sender.Tell(answer, Self);
        if (_config.LocalOffsets is not null) Commit(_dirty.ToArray());
    }

    private void OnSeek(SeekQueue seek)
    {
        if (!_pullers.ContainsKey(seek.Queue))
        {
            seek.Reply.TrySetException(new RocketClientException(
                $"cannot seek {seek.Queue}: this consumer of group '{_config.Group}' does not hold it (assigned: {string.Join(", ", _pullers.Keys)})"));
            return;
        }
        RestartAt(seek.Queue, seek.Offset);
        seek.Reply.TrySetResult();
    }

    /// <summary>A queue went to another member: stop pulling it and hand over our progress at once.</summary>
    private void Drop(MessageQueue queue)
    {
        if (_config.LocksQueues)
        {
            Release(queue); // orderly: after the batch in flight, then commit, then unlock
            return;
        }
        var entry = _pullers[queue];
        Context.Stop(entry.Puller);
        _pullers.Remove(queue);
        _buffers.Remove(queue);
        _read.Forget(queue);
        if (_startPending.Remove(queue)) CompleteStartIfReady();
        if (_config.Model == MessageModel.Clustering)
        {
            if (!(_config.Kind == ConsumerKind.Pull && !_config.AutoCommit))
            {
                Commit([queue]);
                KeepForMaster(queue); // its group has no master to commit to: kept until one is back
            }
            _consumed.Remove(queue);
            _dirty.Remove(queue);
        }
    }

    /// <summary>Sends the consumed offsets of <paramref name="queues"/> to their brokers (clustering only).</summary>
    private void Commit(MessageQueue[] queues)
    {
        foreach (var q in queues) _dirty.Remove(q);
        if (_config.Model == MessageModel.Broadcasting)
        {
            // Kept locally: the whole table, when something moved.
            if (queues.Length > 0) _config.LocalOffsets?.PersistAsync(new Dictionary<MessageQueue, long>(_consumed))
                .ContinueWith(t => _log.Warning("group {0}: could not write the local offsets: {1}", _config.Group, t.Exception?.GetBaseException().Message),
                    TaskContinuationOptions.OnlyOnFaulted);
            return;
        }
        foreach (var byBroker in queues.Where(_consumed.ContainsKey).GroupBy(q => q.BrokerName))
        {
            // Offsets live on the master (RocketMQ: a slave does not persist them); without one they wait, still dirty.
            if (_read.WithoutMaster(byBroker.Key))
            {
                WaitForMaster(byBroker.Key, byBroker);
                continue;
            }
            // Not routed now at all (topic deleted, the whole group down): the last master known, as before.
            if ((_read.MasterPath(byBroker.Key) ?? _brokerPaths.GetValueOrDefault(byBroker.Key)) is not { } path) continue;
            var offsets = byBroker.Select(q => new QueueOffset(q.Topic, q.QueueId, _consumed[q])).ToArray();
            _selections.For(path).Tell(new Protocol.CommitOffsets(_config.Group, offsets), Self);
        }
    }

    private void OnPulled(MessagesPulled pulled)
    {
        if (!_buffers.TryGetValue(pulled.Queue, out var buffer) || !buffer.Puller.Equals(Sender)) return; // dropped or replaced meanwhile
        foreach (var m in pulled.Messages) buffer.Messages.Enqueue(m);
        buffer.NextOffset = pulled.NextOffset;
        UpdateConsumed(pulled.Queue, buffer);
        while (_waiters.Count > 0 && _buffers.Values.Any(b => b.Messages.Count > 0))
        {
            var id = _waiters.Keys.Min();
            _waiters.Remove(id, out var waiter);
            waiter!.Reply.TrySetResult(Take());
        }
    }

    private void OnPoll(PollMessages poll)
    {
        if (_buffers.Values.Any(b => b.Messages.Count > 0))
        {
            poll.Reply.TrySetResult(Take());
            return;
        }
        long id = ++_nextPollId;
        _waiters[id] = new Waiter(poll.Reply);
        Timers.StartSingleTimer(("poll", id), new ConsumerTicks.PollExpired(id), poll.Timeout);
    }

    /// <summary>Takes up to a poll batch round-robin over queues; taken messages count as consumed.</summary>
    private List<ReceivedMessage> Take()
    {
        var taken = new List<ReceivedMessage>();
        bool progress = true;
        while (taken.Count < _config.PollBatchSize && progress)
        {
            progress = false;
            foreach (var (queue, buffer) in _buffers)
            {
                if (taken.Count >= _config.PollBatchSize) break;
                if (!buffer.Messages.TryDequeue(out var m)) continue;
                taken.Add(m);
                progress = true;
            }
        }
        foreach (var byQueue in taken.GroupBy(m => m.Queue))
        {
            var buffer = _buffers[byQueue.Key];
            buffer.Puller.Tell(new MessagesTaken(byQueue.Count()));
            UpdateConsumed(byQueue.Key, buffer);
        }
        return taken;
    }

    private void UpdateConsumed(MessageQueue queue, QueueBuffer buffer)
    {
        long consumed = buffer.Messages.TryPeek(out var head) ? head.QueueOffset : buffer.NextOffset;
        if (_consumed.TryGetValue(queue, out var old) && old == consumed) return;
        _consumed[queue] = consumed;
        _dirty.Add(queue);
    }
}
