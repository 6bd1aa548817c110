using System.Buffers;
using Akka.Actor;
using Akka.Event;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Replication;

namespace Rocket.Broker.Replication;

/// <summary>
/// The master's end of replication (<c>/user/broker/replication</c>): one session per slave that said hello, each
/// streamed whole commit-log records read with <see cref="IReplicaLog.ReadWholeRecords"/> as long as fewer than
/// ha-transfer-window bytes are unacknowledged, so a slave far behind catches up at full speed and a live one gets
/// new bytes as soon as the produce path reports an append (<see cref="LogAppended"/>). It also keeps SYNC_MASTER's
/// wait list (<see cref="SyncReplicaWaits"/>), answered as the slaves' acknowledgements arrive.
/// </summary>
public sealed class ReplicaSourceActor : ReceiveActor, IWithTimers
{
    public const string Name = "replication";

    private sealed class Tick { public static readonly Tick Instance = new(); }
    private sealed class CheckDeadlines { public static readonly CheckDeadlines Instance = new(); }

    private sealed class Session(ReplicaHello hello, IActorRef slave, long start)
    {
        public long BrokerId { get; } = hello.BrokerId;
        public long SessionId { get; } = hello.SessionId;
        public IActorRef Slave { get; } = slave;
        public long Sent { get; set; } = start;
        public long Acked { get; set; } = start;
        public DateTime LastHeard { get; set; } = DateTime.UtcNow;
        public bool SentSinceTick { get; set; }
    }

    private readonly ReplicationSettings _settings;
    private readonly BrokerSettings _broker;
    private readonly IReplicaLog _log;
    private readonly BrokerRoleState _role;
    private readonly int _largestRecord;
    private readonly Dictionary<long, Session> _sessions = new();
    private readonly SyncReplicaWaits _waits = new();
    private readonly ILoggingAdapter _logger = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="largestRecord">The largest record the store may hold: a chunk buffer must fit one.</param>
    public ReplicaSourceActor(ReplicationSettings settings, BrokerSettings broker, IReplicaLog log, BrokerRoleState role, int largestRecord)
    {
        _settings = settings;
        _broker = broker;
        _log = log;
        _role = role;
        _largestRecord = largestRecord;
        Receive<ReplicaHello>(OnHello);
        Receive<ReplicaAck>(OnAck);
        Receive<LogAppended>(_ => PumpAll());
        Receive<AwaitReplicas>(OnAwait);
        Receive<CheckDeadlines>(_ => ExpireWaits());
        Receive<Tick>(_ => OnTick());
        Receive<StopServingReplicas>(_ => StopServing());
    }

    public static Props Props(ReplicationSettings settings, BrokerSettings broker, IReplicaLog log, BrokerRoleState role, int largestRecord) =>
        Akka.Actor.Props.Create(() => new ReplicaSourceActor(settings, broker, log, role, largestRecord));

    protected override void PreStart() => Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.HeartbeatInterval);

    private string Who => $"broker {_broker.BrokerName} #{_broker.BrokerId}";

    private void OnHello(ReplicaHello hello)
    {
        if (Refusal(hello) is { } reason)
        {
            _logger.Error("Refused replication to slave #{0} of {1}: {2}", hello.BrokerId, hello.BrokerName, reason);
            Sender.Tell(new ReplicaRefused(hello.SessionId, $"{Who} refuses slave #{hello.BrokerId}: {reason}"));
            return;
        }
        var slaveEpochs = EpochWire.FromWire(hello.Epochs);
        long start = Math.Min(hello.MaxOffset, EpochHistory.ConsistentOffset(_log.Epochs, _log.MaxOffset, slaveEpochs, hello.MaxOffset));
        string how = start < hello.MaxOffset ? $"its log diverges from this master's history at {start}: it cuts its tail from there"
            : "from its own end";
        ReplicaQueueStart[]? queueStarts = null;
        if (start < _log.MinOffset)
        {
            start = _log.MinOffset;
            // Its queues continue at this master's offsets, also those with no message left from there on.
            queueStarts = _log.QueueOffsetsAt(start).Select(q => new ReplicaQueueStart(q.Topic, q.QueueId, q.NextOffset)).ToArray();
            how = $"its log ends at {hello.MaxOffset}, below this master's oldest byte {start}: it restarts there, {queueStarts.Length} queue(s) at this master's offsets";
        }
        if (_sessions.Remove(hello.BrokerId, out var old) && !old.Slave.Equals(Sender))
            old.Slave.Tell(new ReplicaRefused(old.SessionId, $"{Who}: slave #{hello.BrokerId} opened a new session"));
        var session = new Session(hello, Sender, start);
        _sessions[hello.BrokerId] = session;
        _role.HasSlaves = true;
        _logger.Info("Slave #{0} of {1} replicates from offset {2} ({3}); this master's log ends at {4}",
            hello.BrokerId, hello.BrokerName, start, how, _log.MaxOffset);
        Sender.Tell(new ReplicaWelcome(hello.SessionId, _broker.BrokerId, start, _log.MaxOffset, EpochWire.ToWire(_log.Epochs), queueStarts));
        Pump(session);
    }

    private string? Refusal(ReplicaHello hello)
    {
        if (!_role.IsMaster) return "it is not a master now";
        if (hello.BrokerName != _broker.BrokerName) return $"it serves broker name {_broker.BrokerName}, the slave {hello.BrokerName}";
        if (hello.BrokerId == _broker.BrokerId) return $"the slave has this master's own broker id {hello.BrokerId}";
        if (hello.SegmentSize != _log.SegmentSize)
            return $"segment size {hello.SegmentSize} differs from this master's {_log.SegmentSize} (rocket.store.mapped-file-size-commit-log must match)";
        long masterEpoch = _log.CurrentEpoch, slaveEpoch = EpochWire.Current(EpochWire.FromWire(hello.Epochs));
        if (slaveEpoch > masterEpoch) return $"the slave is in epoch {slaveEpoch}, newer than this master's {masterEpoch}";
        if (slaveEpoch == masterEpoch && hello.MaxOffset > _log.MaxOffset)
            return $"the slave's log ends at {hello.MaxOffset}, ahead of this master's {_log.MaxOffset} in the same epoch {masterEpoch}";
        return null;
    }

    private void OnAck(ReplicaAck ack)
    {
        if (!_sessions.TryGetValue(ack.BrokerId, out var session) || session.SessionId != ack.SessionId) return;
        session.LastHeard = DateTime.UtcNow;
        if (ack.MaxOffset > session.Acked) session.Acked = ack.MaxOffset;
        if (session.Acked > session.Sent) session.Sent = session.Acked;
        Pump(session);
        ReleaseWaits();
    }

    private void PumpAll()
    {
        foreach (var session in _sessions.Values.ToArray()) Pump(session);
    }

    /// <summary>Sends whole records while the window has room; a chunk never crosses an epoch's start.</summary>
    private void Pump(Session session)
    {
        byte[]? buffer = null;
        try
        {
            while (session.Sent < _log.MaxOffset && session.Sent - session.Acked < _settings.TransferWindow)
            {
                long limit = _log.MaxOffset;
                if (EpochWire.NextStartAfter(_log.Epochs, session.Sent) is { } next && next < limit) limit = next;
                buffer ??= ArrayPool<byte>.Shared.Rent(_settings.TransferBatchSize);
                int n = _log.ReadWholeRecords(session.Sent, limit, buffer.AsSpan(0, _settings.TransferBatchSize));
                if (n == 0)
                {
                    // One record larger than a chunk: send it alone.
                    var big = ArrayPool<byte>.Shared.Rent(_largestRecord);
                    try
                    {
                        n = _log.ReadWholeRecords(session.Sent, limit, big.AsSpan(0, _largestRecord));
                        if (n == 0) throw new StoreException($"no whole record could be read at offset {session.Sent} (log ends at {limit})");
                        Send(session, big.AsSpan(0, n));
                    }
                    finally { ArrayPool<byte>.Shared.Return(big); }
                }
                else Send(session, buffer.AsSpan(0, n));
            }
        }
        catch (StoreException e)
        {
            Drop(session, $"reading offset {session.Sent} for slave #{session.BrokerId} failed: {e.Message}");
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Send(Session session, ReadOnlySpan<byte> bytes)
    {
        session.Slave.Tell(new ReplicaChunk(session.SessionId, session.Sent, _log.MaxOffset, bytes.ToArray()));
        session.Sent += bytes.Length;
        session.SentSinceTick = true;
    }

    private void Drop(Session session, string reason)
    {
        _logger.Warning("Replication session of slave #{0} ended: {1}", session.BrokerId, reason);
        session.Slave.Tell(new ReplicaRefused(session.SessionId, $"{Who}: {reason}"));
        _sessions.Remove(session.BrokerId);
        _role.HasSlaves = _sessions.Count > 0;
        ReleaseWaits();
    }

    private void OnTick()
    {
        var now = DateTime.UtcNow;
        foreach (var session in _sessions.Values.ToArray())
        {
            if (now - session.LastHeard > _settings.HousekeepingInterval)
            {
                Drop(session, $"no acknowledgement for {(now - session.LastHeard).TotalSeconds:0.#} s (ha-housekeeping-interval {_settings.HousekeepingInterval.TotalSeconds} s)");
                continue;
            }
            Pump(session); // also catches bytes appended without a LogAppended (e.g. written straight to the journal)
            if (!session.SentSinceTick) session.Slave.Tell(new ReplicaChunk(session.SessionId, session.Sent, _log.MaxOffset, []));
            session.SentSinceTick = false;
        }
    }

    /// <summary>Slaves counted as in sync: connected and within ha-max-gap-not-in-sync of this log's end.</summary>
    private int InSyncCount()
    {
        long max = _log.MaxOffset;
        int count = 0;
        foreach (var s in _sessions.Values) if (max - s.Acked <= _settings.MaxGapNotInSync) count++;
        return count;
    }

    /// <summary>The offset that in-sync-slaves-min slaves have all acknowledged (-1 while fewer slaves are connected).</summary>
    private long ConfirmedOffset()
    {
        if (_sessions.Count < _settings.InSyncSlavesMin) return -1;
        var acked = _sessions.Values.Select(s => s.Acked).OrderByDescending(a => a).ToArray();
        return acked[_settings.InSyncSlavesMin - 1];
    }

    private void OnAwait(AwaitReplicas wait)
    {
        if (!_role.IsMaster)
        {
            Answer(wait, ProduceStatus.ServiceNotAvailable, $"{Who} stopped being a master before its slaves confirmed the message");
            return;
        }
        if (InSyncCount() < _settings.InSyncSlavesMin)
        {
            Answer(wait, ProduceStatus.SlaveNotAvailable,
                $"{Who} is SYNC_MASTER and has {InSyncCount()} slave(s) in sync, fewer than in-sync-slaves-min = {_settings.InSyncSlavesMin}; the message is stored on the master only");
            return;
        }
        if (ConfirmedOffset() >= wait.EndOffset)
        {
            Answer(wait, ProduceStatus.Ok, null);
            return;
        }
        _waits.Add(wait);
        ScheduleDeadline();
    }

    private void ReleaseWaits()
    {
        if (_waits.Count == 0) return;
        foreach (var wait in _waits.Confirmed(ConfirmedOffset())) Answer(wait, ProduceStatus.Ok, null);
        ScheduleDeadline();
    }

    private void ExpireWaits()
    {
        foreach (var wait in _waits.Expired(DateTimeOffset.UtcNow))
            Answer(wait, ProduceStatus.FlushSlaveTimeout,
                $"{Who}: fewer than in-sync-slaves-min = {_settings.InSyncSlavesMin} slave(s) confirmed the message within slave-timeout = {_settings.SlaveTimeout.TotalSeconds} s; it is stored on the master");
        ScheduleDeadline();
    }

    private void ScheduleDeadline()
    {
        if (_waits.EarliestDeadline is not { } deadline)
        {
            Timers.Cancel("deadline");
            return;
        }
        var delay = deadline - DateTimeOffset.UtcNow;
        Timers.StartSingleTimer("deadline", CheckDeadlines.Instance, delay > TimeSpan.Zero ? delay : TimeSpan.Zero);
    }

    private static void Answer(AwaitReplicas wait, ProduceStatus status, string? error) =>
        wait.ReplyTo.Tell(new ReplicatedBatch(wait.Appended, status, error));

    private void StopServing()
    {
        foreach (var session in _sessions.Values.ToArray()) Drop(session, "this broker is no longer a master");
        foreach (var wait in _waits.All())
            Answer(wait, ProduceStatus.ServiceNotAvailable, $"{Who} stopped being a master before its slaves confirmed the message");
        Timers.Cancel("deadline");
    }
}
