using Akka.Actor;
using Akka.Event;
using Akka.Remote;
using Rocket.Broker.Metadata;
using Rocket.Broker.Replication;
using Rocket.Protocol;
using Rocket.Remoting;
using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Store.Log;
using Rocket.Store.Queue;

namespace Rocket.Broker.Transaction;

/// <summary>
/// Transactional messages on one broker (RocketMQ's EndTransactionProcessor, ProducerManager and
/// TransactionalMessageCheckService in one actor, since all three share the ledger of settled half messages).
/// <list type="bullet">
/// <item>END_TRANSACTION: a commit writes the half message to its real topic and an op record in one batch; a rollback
/// writes the op record only. A half message is settled once: a repeated or late end (or a check answer) for a settled
/// half writes nothing.</item>
/// <item>Producers of each group register by heartbeat, so any live producer of the group can be asked to check.</item>
/// <item>Every transaction-check-interval, each unsettled half message stored (or last checked) at least
/// transaction-timeout ago is checked back (an op record <c>c</c> counts the check), up to transaction-check-max
/// times; then it is moved to TRANS_CHECK_MAX_TIME_TOPIC and logged.</item>
/// </list>
/// Progress (group CID_RMQ_SYS_TRANS: the half queue's H, the op queue's O, see <see cref="TransactionLedger"/>) goes
/// to the offsets actor only after the op records behind it were acknowledged by the store.
/// <para>Only the broker that is master now (its run-time role, see <see cref="BrokerRoleState"/>) ends transactions and
/// checks: a slave refuses ends and skips checks. A slave's ledger misses the op records replication brought in, so a
/// broker that became master since its ledger was read (a promoted slave, or a master in a new epoch) reads it again
/// from the store before it ends or checks anything.</para>
/// </summary>
public sealed class TransactionServiceActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private sealed record ProgressLoaded(long HalfProgress, long OpProgress);
    private sealed record ProgressLoadFailed(string Error);
    private sealed class CheckDue { public static readonly CheckDue Instance = new(); }
    private sealed class ExpireProducers { public static readonly ExpireProducers Instance = new(); }
    private sealed class LoadProgress { public static readonly LoadProgress Instance = new(); }

    /// <summary>A batch on its way to the journal and what to do when it is acknowledged.</summary>
    private sealed record PendingWrite(long HalfOffset, StoredMessage Half, OpRecord Op, bool WithMessage,
        IActorRef? ReplyTo = null, long RequestId = 0, int CheckTimes = 0);

    /// <summary>Unsettled halves read per round at most: one round never holds the actor for long.</summary>
    private const int MaxHalvesReadPerRound = 2000;

    private readonly MessageStore _store;
    private readonly BrokerSettings _settings;
    private readonly BrokerRoleState _role;
    private readonly TransactionSettings _tx;
    private readonly IActorRef _storeActor;
    private readonly IActorRef _topicsActor;
    private readonly IActorRef _offsets;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ProducerRegistry _producers = new();
    private readonly Dictionary<long, PendingWrite> _writes = new();
    private readonly HashSet<long> _inFlight = new(); // half offsets whose commit / rollback / discard is being written
    private IReadOnlyDictionary<string, TopicConfig> _topics = new Dictionary<string, TopicConfig>();
    private TransactionLedger _ledger = new(0, 0);
    private (long Half, long Op) _committedProgress = (-1, -1);
    private bool _ensuringCheckMaxTopic;
    private long _nextBatchId;
    /// <summary>The role and epoch the ledger was read under: it is current only while they are the broker's now.</summary>
    private BrokerRoleSnapshot? _ledgerRole;
    /// <summary>A reload waits for the writes in flight: their op records must be in the store it reads.</summary>
    private bool _loadAfterWrites;

    /// <param name="role">The broker's run-time role: only a master (now, not as configured) ends and checks transactions.</param>
    public TransactionServiceActor(MessageStore store, BrokerSettings settings, BrokerRoleState role, IActorRef storeActor, IActorRef topicsActor,
        IActorRef offsets)
    {
        _store = store;
        _settings = settings;
        _role = role;
        _tx = settings.Transaction;
        _storeActor = storeActor;
        _topicsActor = topicsActor;
        _offsets = offsets;
        Loading();
    }

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(MessageStore store, BrokerSettings settings, BrokerRoleState role, IActorRef storeActor, IActorRef topicsActor,
        IActorRef offsets) =>
        Akka.Actor.Props.Create(() => new TransactionServiceActor(store, settings, role, storeActor, topicsActor, offsets));

    /// <summary>Reading the progress and the op records after it: at start, and again when the broker became master since.</summary>
    private void Loading()
    {
        Receive<LoadProgress>(_ => AskProgress());
        Receive<ProgressLoaded>(loaded =>
        {
            Load(loaded);
            Timers.StartPeriodicTimer("check", CheckDue.Instance, _tx.TransactionCheckInterval);
            Stash.UnstashAll();
            Become(Serving);
        });
        Receive<ProgressLoadFailed>(failed =>
        {
            _log.Warning("Broker {0}: the transaction check's progress could not be read ({1}); asking again in 1 s", _settings.BrokerName, failed.Error);
            Timers.StartSingleTimer("load", LoadProgress.Instance, TimeSpan.FromSeconds(1));
        });
        Receive<BatchAppended>(appended =>
        {
            OnAppended(appended);
            if (_loadAfterWrites && _writes.Count == 0)
            {
                _loadAfterWrites = false;
                AskProgress();
            }
        });
        Receive<EndTransaction>(_ => Stash.Stash());
        Receive<RunTransactionCheckNow>(_ => Stash.Stash());
        Receive<GetTransactionLedger>(_ => Stash.Stash());
        Receive<CheckDue>(_ => { }); // the reload ends with a check round's timer anyway
        Common();
    }

    /// <summary>
    /// True when the broker is master now but its ledger was read under another role or epoch (it was a slave, or
    /// master of an older epoch with a slave's term possibly in between): the op records replication brought in since
    /// are not in it, so ending or checking with it could settle a half message twice.
    /// </summary>
    private bool LedgerIsStale() => _ledgerRole != _role.Current;

    /// <summary>Reads the ledger again (after the writes in flight are acknowledged); what arrives meanwhile waits.</summary>
    private void Reload()
    {
        _log.Info("Broker {0} is {1} in epoch {2} now but its transaction ledger was read as {3} in epoch {4}: reading it again from the op records",
            _settings.BrokerName, _role.Current.Role.Name(), _role.Current.Epoch, _ledgerRole?.Role.Name(), _ledgerRole?.Epoch);
        Become(Loading);
        if (_writes.Count == 0) AskProgress();
        else _loadAfterWrites = true;
    }

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("expire", ExpireProducers.Instance,
            TimeSpan.FromTicks(Math.Max(_settings.ConsumerExpiry.Ticks / 4, TimeSpan.TicksPerSecond)));
        ClientDeathWatch.Start(Context);
        AskProgress();
    }

    /// <summary>What is handled before and after the progress is loaded.</summary>
    private void Common()
    {
        Receive<TopicTableChanged>(changed => _topics = changed.Topics);
        Receive<TopicEnsured>(OnTopicEnsured);
        Receive<ProducerHeartbeat>(OnHeartbeat);
        Receive<UnregisterProducer>(u => Forget(_producers.Remove(u.Group, u.ClientId)));
        Receive<Terminated>(t => Left(_producers.RemoveCheckersWhere(checker => checker.Equals(t.ActorRef)), "its checker actor stopped"));
        Receive<DisassociatedEvent>(closed => Left(_producers.RemoveCheckersWhere(checker => ClientDeathWatch.IsIn(checker, closed)),
            $"the connection to {closed.RemoteAddress} closed"));
        Receive<ExpireProducers>(_ => Left(_producers.Expire(DateTime.UtcNow - _settings.ConsumerExpiry),
            $"no heartbeat for {_settings.ConsumerExpiry.TotalSeconds:0.#} s (consumer-expiry)"));
    }

    /// <summary>Logs the producers that were removed, and <paramref name="why"/>.</summary>
    private void Left(IReadOnlyList<(string Group, string ClientId)> gone, string why)
    {
        foreach (var (group, clientId) in gone)
            _log.Info("Broker {0}: producer {1} of group {2} left: {3}; it is no longer asked to check transactions",
                _settings.BrokerName, clientId, group, why);
    }

    private void Serving()
    {
        Common();
        Receive<EndTransaction>(end => Guarded(() => OnEndTransaction(end), error => Refuse(end, $"broker {_settings.BrokerName} failed: {error}")));
        Receive<BatchAppended>(OnAppended);
        Receive<CheckDue>(_ => Guarded(CheckRound, null));
        Receive<RunTransactionCheckNow>(_ => Guarded(CheckRound, null));
        Receive<GetTransactionLedger>(g => Sender.Tell(new TransactionLedgerState(_ledger.HalfProgress, _ledger.OpProgress, _ledger.Tracked,
            g.Group is null ? [] : _producers.ClientIdsOf(g.Group))));
    }

    /// <summary>
    /// The broker stops a child that throws (its supervisor stops rather than restarts): an unexpected failure reading
    /// one half message must not end every transaction on this broker, so it is logged and answered instead.
    /// </summary>
    private void Guarded(Action action, Action<string>? answer)
    {
        try { action(); }
        catch (Exception e)
        {
            _log.Error(e, "Broker {0}: the transaction service failed: {1}", _settings.BrokerName, e.Message);
            answer?.Invoke(e.Message);
        }
    }

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    // ---- progress -----------------------------------------------------------------------------------------------

    private void AskProgress()
    {
        var timeout = TimeSpan.FromSeconds(10);
        var half = _offsets.Ask<OffsetAnswer>(new QueryOffset(SystemTopics.TransactionProgressGroup, SystemTopics.TransactionHalf, 0), timeout);
        var op = _offsets.Ask<OffsetAnswer>(new QueryOffset(SystemTopics.TransactionProgressGroup, SystemTopics.TransactionOp, 0), timeout);
        Task.WhenAll(half, op).ContinueWith(t => t.IsCompletedSuccessfully
            ? (object)new ProgressLoaded(half.Result.Offset, op.Result.Offset)
            : new ProgressLoadFailed(t.Exception?.GetBaseException().Message ?? "no answer")).PipeTo(Self);
    }

    /// <summary>Rebuilds the ledger from the op records stored at or after O.</summary>
    private void Load(ProgressLoaded loaded)
    {
        _ledgerRole = _role.Current; // before reading: a role change during the read makes the next use read again
        _committedProgress = (loaded.HalfProgress, loaded.OpProgress);
        _ledger = new TransactionLedger(loaded.HalfProgress, loaded.OpProgress);
        long offset = Math.Max(0, loaded.OpProgress);
        int records = 0;
        while (true)
        {
            var read = _store.GetMessages(SystemTopics.TransactionOp, 0, offset, 256, maxBytes: 1 << 20);
            if (read.Status is GetMessageStatus.OffsetTooSmall or GetMessageStatus.NoMatchedMessage or GetMessageStatus.OffsetFoundNull)
            {
                if (read.NextBeginOffset <= offset) break;
                offset = read.NextBeginOffset;
                continue;
            }
            if (read.Status != GetMessageStatus.Found) break;
            foreach (var message in read.Messages)
            {
                if (OpRecord.Parse(message, out var error) is { } op)
                {
                    _ledger.Record(message.QueueOffset, op, message.StoreTimestamp);
                    records++;
                }
                else _log.Warning("Broker {0}: op record at offset {1} of {2} is not readable ({3}); skipped",
                    _settings.BrokerName, message.QueueOffset, SystemTopics.TransactionOp, error);
            }
            offset = read.NextBeginOffset;
        }
        _log.Info("Broker {0}: transaction check resumes at half offset {1} (op offset {2}); {3} op record(s) read, {4} half message(s) after it with a recorded outcome or check",
            _settings.BrokerName, _ledger.HalfProgress, Math.Max(0, loaded.OpProgress), records, _ledger.Tracked);
    }

    /// <summary>Stores H and O when they moved (after the op records behind them were acknowledged).</summary>
    private void CommitProgress()
    {
        var progress = (_ledger.HalfProgress, _ledger.OpProgress);
        if (progress == _committedProgress) return;
        _committedProgress = progress;
        _offsets.Tell(new CommitOffsets(SystemTopics.TransactionProgressGroup,
            [new QueueOffset(SystemTopics.TransactionHalf, 0, progress.HalfProgress), new QueueOffset(SystemTopics.TransactionOp, 0, progress.OpProgress)]));
    }

    // ---- producers ----------------------------------------------------------------------------------------------

    private void OnHeartbeat(ProducerHeartbeat hb)
    {
        if (ResourceNames.CheckGroup(hb.Group) is { } error)
        {
            _log.Warning("Broker {0}: ignored a producer heartbeat from {1}: {2}", _settings.BrokerName, hb.ClientId, error);
            return;
        }
        if (_producers.Heartbeat(hb.Group, hb.ClientId, hb.Checker, DateTime.UtcNow)) ClientDeathWatch.Watch(Context, hb.Checker);
    }

    private void Forget(IActorRef? checker)
    {
        if (checker is not null && !_producers.Uses(checker)) ClientDeathWatch.Unwatch(Context, checker);
    }

    // ---- end transaction ----------------------------------------------------------------------------------------

    private void OnEndTransaction(EndTransaction end)
    {
        if (_role.WriteRefusal(_settings.BrokerName, _settings.BrokerId) is { } slave)
        {
            Refuse(end, slave);
            return;
        }
        if (LedgerIsStale())
        {
            Stash.Stash(); // answered once the ledger is read again
            Reload();
            return;
        }
        if (end.Outcome == TransactionOutcome.Unknown)
        {
            Sender.Tell(new EndTransactionResult(end.RequestId, EndTransactionStatus.LeftForCheck, null));
            return;
        }
        var half = end.HalfPhysicalOffset >= 0 ? _store.ReadMessage(end.HalfPhysicalOffset) : null;
        if (half is null || half.Topic != SystemTopics.TransactionHalf || half.QueueOffset != end.HalfQueueOffset)
        {
            Refuse(end, $"broker {_settings.BrokerName} holds no half message at commit-log offset {end.HalfPhysicalOffset} with half-queue offset {end.HalfQueueOffset}");
            return;
        }
        var group = MessageProperties.Get(half.Properties, MessageProperties.ProducerGroup);
        if (group != end.ProducerGroup)
        {
            Refuse(end, $"half message {half.UniqueKey} on broker {_settings.BrokerName} belongs to producer group '{group}', not '{end.ProducerGroup}'");
            return;
        }
        long q = half.QueueOffset;
        if (_ledger.IsSettled(q) || _inFlight.Contains(q))
        {
            _log.Info("Broker {0}: {1} of half message {2} ignored: it is already settled{3}", _settings.BrokerName,
                end.Outcome == TransactionOutcome.Commit ? "commit" : "rollback", half.UniqueKey, end.FromCheck ? " (a check-back answer)" : "");
            Sender.Tell(new EndTransactionResult(end.RequestId, EndTransactionStatus.AlreadySettled, null));
            return;
        }
        if (end.Outcome == TransactionOutcome.Rollback)
        {
            Write(new PendingWrite(q, half, new OpRecord(OpKind.RolledBack, q), WithMessage: false, Sender, end.RequestId));
            return;
        }
        if (HalfMessage.Destination(half) is not { } destination)
        {
            Refuse(end, $"half message {half.UniqueKey} on broker {_settings.BrokerName} has no readable {MessageProperties.RealTopic} / {MessageProperties.RealQueueId}");
            return;
        }
        if (!_topics.TryGetValue(destination.Topic, out var topic))
        {
            // Nothing to deliver to: settle it (so it is not checked forever) and say so.
            _log.Warning("Broker {0}: commit of half message {1}: its topic '{2}' no longer exists; the message is discarded",
                _settings.BrokerName, half.UniqueKey, destination.Topic);
            Write(new PendingWrite(q, half, new OpRecord(OpKind.Discarded, q), WithMessage: false, Sender, end.RequestId));
            return;
        }
        Write(new PendingWrite(q, half, new OpRecord(OpKind.Commit, q), WithMessage: true, Sender, end.RequestId));
    }

    private void Refuse(EndTransaction end, string error)
    {
        _log.Warning("Broker {0}: END_TRANSACTION {1} of message {2} from group {3} refused: {4}",
            _settings.BrokerName, end.Outcome, end.MessageId, end.ProducerGroup, error);
        Sender.Tell(new EndTransactionResult(end.RequestId, EndTransactionStatus.Failed, error));
    }

    /// <summary>The message (for a commit or a discard) and the op record, in that order in one batch.</summary>
    private void Write(PendingWrite write)
    {
        var batch = new List<MessageToStore>(2);
        if (write.WithMessage)
        {
            if (write.Op.Kind == OpKind.Discarded)
                batch.Add(ToCheckMaxTopic(write.Half));
            else
            {
                var (topicName, realQueue) = HalfMessage.Destination(write.Half)!.Value;
                batch.Add(HalfMessage.Rebuild(write.Half, topicName, QueueFor(topicName, realQueue, write.Half)));
            }
        }
        batch.Add(write.Op.ToStore());
        if (write.Op.Kind != OpKind.Checked) _inFlight.Add(write.HalfOffset);
        long id = ++_nextBatchId;
        _writes[id] = write;
        _storeActor.Tell(new AppendBatch(id, batch.ToArray()));
    }

    /// <summary>The real queue, or (the topic lost queues since) the same queue modulo the write queues, said out loud.</summary>
    private int QueueFor(string topicName, int queueId, StoredMessage half)
    {
        int writeQueues = _topics.TryGetValue(topicName, out var topic) ? topic.WriteQueues : queueId + 1;
        if (queueId < writeQueues) return queueId;
        int moved = queueId % writeQueues;
        _log.Warning("Broker {0}: committed message {1} goes to queue {2} of topic '{3}': its queue {4} no longer exists ({5} write queues)",
            _settings.BrokerName, half.UniqueKey, moved, topicName, queueId, writeQueues);
        return moved;
    }

    private static MessageToStore ToCheckMaxTopic(StoredMessage half) =>
        new(SystemTopics.TransactionCheckMaxTime, 0, half.Body, half.Properties, half.Flag, 0, half.BornTimestamp, half.BornHost, half.ReconsumeTimes);

    private void OnAppended(BatchAppended appended)
    {
        if (!_writes.Remove(appended.BatchId, out var write)) return;
        if (write.Op.Kind != OpKind.Checked) _inFlight.Remove(write.HalfOffset);
        var opResult = appended.Results[^1];
        AppendResult? messageResult = write.WithMessage ? appended.Results[0] : null;
        if (opResult.IsOk) _ledger.Record(opResult.QueueOffset, write.Op, opResult.StoreTimestamp);
        else if (messageResult is { IsOk: true })
        {
            _ledger.SettleWithoutRecord(write.HalfOffset);
            _log.Warning("Broker {0}: half message {1} was written to its topic but its op record was not ({2}); a restart before the check passes it may check it back once more",
                _settings.BrokerName, write.Half.UniqueKey, opResult.Error);
        }
        switch (write.Op.Kind)
        {
            case OpKind.Checked:
                if (opResult.IsOk) AskProducer(write);
                else _log.Warning("Broker {0}: check {1} of half message {2} was not recorded ({3}); it is asked again next round",
                    _settings.BrokerName, write.CheckTimes, write.Half.UniqueKey, opResult.Error);
                break;
            case OpKind.Discarded when write.WithMessage:
                if (messageResult is { IsOk: true })
                    _log.Warning("Broker {0}: half message {1} of producer group {2} for topic '{3}' was checked {4} time(s) without an answer (transaction-check-max); discarded: moved to {5}",
                        _settings.BrokerName, write.Half.UniqueKey, GroupOf(write.Half), HalfMessage.Destination(write.Half)?.Topic, _ledger.ChecksOf(write.HalfOffset),
                        SystemTopics.TransactionCheckMaxTime);
                else _log.Warning("Broker {0}: half message {1} could not be moved to {2} ({3}); tried again next round",
                    _settings.BrokerName, write.Half.UniqueKey, SystemTopics.TransactionCheckMaxTime, messageResult?.Error);
                break;
            default:
                Answer(write, messageResult, opResult);
                break;
        }
        CommitProgress();
    }

    private void Answer(PendingWrite write, AppendResult? messageResult, AppendResult opResult)
    {
        if (write.ReplyTo is null) return;
        var (status, error) = write.Op.Kind switch
        {
            OpKind.Commit when messageResult is { IsOk: true } => (EndTransactionStatus.Committed, (string?)null),
            OpKind.Commit => (EndTransactionStatus.Failed, $"broker {_settings.BrokerName} could not write the committed message: {messageResult?.Error}"),
            OpKind.RolledBack when opResult.IsOk => (EndTransactionStatus.RolledBack, null),
            OpKind.RolledBack => (EndTransactionStatus.Failed, $"broker {_settings.BrokerName} could not record the rollback: {opResult.Error}"),
            _ when opResult.IsOk => (EndTransactionStatus.Failed,
                $"topic '{HalfMessage.Destination(write.Half)?.Topic}' no longer exists on broker {_settings.BrokerName}; the committed message was discarded"),
            _ => (EndTransactionStatus.Failed, $"broker {_settings.BrokerName} could not record the outcome: {opResult.Error}"),
        };
        write.ReplyTo.Tell(new EndTransactionResult(write.RequestId, status, error));
    }

    private static string? GroupOf(StoredMessage half) => MessageProperties.Get(half.Properties, MessageProperties.ProducerGroup);

    // ---- check-back ---------------------------------------------------------------------------------------------

    private void CheckRound()
    {
        if (!_role.IsMaster) return; // a slave writes nothing: its master checks (RocketMQ runs the check on masters only)
        if (LedgerIsStale())
        {
            Stash.Stash(); // the round runs once the ledger is read again
            Reload();
            return;
        }
        var queue = _store.ConsumeQueues.Find(SystemTopics.TransactionHalf, 0);
        if (queue is not null)
        {
            while (_ledger.HalfProgress < queue.MinOffset) _ledger.SkipGone(_ledger.HalfProgress); // retention took them
            Scan(queue);
        }
        CommitProgress();
    }

    private void Scan(ConsumeQueue queue)
    {
        long max = queue.MaxOffset, now = NowMs, timeoutMs = (long)_tx.TransactionTimeout.TotalMilliseconds;
        var entries = new ConsumeQueueEntry[256];
        long offset = _ledger.HalfProgress;
        int read = 0;
        while (offset < max && read < MaxHalvesReadPerRound)
        {
            int count = queue.Read(offset, entries.AsSpan(0, (int)Math.Min(entries.Length, max - offset)));
            if (count <= 0) return;
            for (int i = 0; i < count; i++)
            {
                long q = offset + i;
                if (_ledger.IsSettled(q) || _inFlight.Contains(q)) continue;
                var entry = entries[i];
                var half = entry.Size > 0 ? _store.ReadMessage(entry.PhysicalOffset, entry.Size) : null;
                read++;
                if (half is null)
                {
                    _log.Warning("Broker {0}: half message at offset {1} of {2} cannot be read (gone or damaged); it is passed over",
                        _settings.BrokerName, q, SystemTopics.TransactionHalf);
                    _ledger.SettleWithoutRecord(q);
                    continue;
                }
                if (now - half.StoreTimestamp < timeoutMs) return; // every half after it is younger
                if (now - _ledger.LastCheckOf(q) < timeoutMs) continue; // its last check may still be answered
                int checks = _ledger.ChecksOf(q);
                if (checks >= _tx.TransactionCheckMax) Discard(q, half);
                else
                {
                    _ledger.NoteCheckAsked(q, now);
                    Write(new PendingWrite(q, half, new OpRecord(OpKind.Checked, q), WithMessage: false, CheckTimes: checks + 1));
                }
            }
            offset += count;
        }
    }

    /// <summary>Moves a half message checked transaction-check-max times to TRANS_CHECK_MAX_TIME_TOPIC (RocketMQ 4.9).</summary>
    private void Discard(long q, StoredMessage half)
    {
        if (!_topics.ContainsKey(SystemTopics.TransactionCheckMaxTime))
        {
            if (!_ensuringCheckMaxTopic)
            {
                _ensuringCheckMaxTopic = true;
                _topicsActor.Tell(new EnsureTopic(SystemTopics.TransactionCheckMaxTime, 1));
            }
            return; // moved once the topic exists (next round)
        }
        Write(new PendingWrite(q, half, new OpRecord(OpKind.Discarded, q), WithMessage: true));
    }

    private void OnTopicEnsured(TopicEnsured ensured)
    {
        if (ensured.Name != SystemTopics.TransactionCheckMaxTime) return;
        _ensuringCheckMaxTopic = false;
        if (ensured.Topic is { } topic) _topics = new Dictionary<string, TopicConfig>(_topics) { [topic.Name] = topic };
        else _log.Warning("Broker {0}: topic {1} could not be created ({2}); half messages checked transaction-check-max times stay until it can",
            _settings.BrokerName, SystemTopics.TransactionCheckMaxTime, ensured.Error);
    }

    /// <summary>The check is recorded: ask one live producer of the group (any of them, not only the sender).</summary>
    private void AskProducer(PendingWrite write)
    {
        var half = write.Half;
        var group = GroupOf(half) ?? "";
        var checker = _producers.Pick(group);
        if (checker is null)
        {
            _log.Warning("Broker {0}: no live producer of group '{1}' to check half message {2} (check {3} of {4})",
                _settings.BrokerName, group, half.UniqueKey, write.CheckTimes, _tx.TransactionCheckMax);
            return;
        }
        var (topic, queueId) = HalfMessage.Destination(half) ?? ("", 0);
        var message = new PulledMessage(half.QueueOffset, half.PhysicalOffset, half.BornTimestamp, half.StoreTimestamp, half.ReconsumeTimes, half.Flag,
            HalfMessage.DeliveredProperties(half.Properties), half.Body);
        checker.Tell(new CheckTransactionState(_settings.BrokerName, group, half.PhysicalOffset, half.QueueOffset, half.UniqueKey,
            write.CheckTimes, topic, queueId, message));
    }
}
