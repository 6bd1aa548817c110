using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using Rocket.Naming;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Replication;

namespace Rocket.Broker.Replication;

/// <summary>
/// A slave's end of replication: finds its master in the gossip broker table (<see cref="MasterLookup"/>), says
/// hello to the master's <see cref="ReplicaSourceActor"/>, appends each chunk through its journal at the master's
/// offsets (<see cref="AppendReplica"/>) and acknowledges its new end. Heartbeats every ha-send-heartbeat-interval;
/// a master silent for ha-housekeeping-interval, a refused hello or a failed append ends the session and it says
/// hello again (to whichever master the table then shows).
/// </summary>
public sealed class ReplicaFollowerActor : ReceiveActor, IWithTimers
{
    public const string Name = "follower";

    private sealed class Tick { public static readonly Tick Instance = new(); }

    private readonly ReplicationSettings _settings;
    private readonly BrokerSettings _broker;
    private readonly IReplicaLog _log;
    private readonly BrokerRoleState _role;
    private readonly Func<IActorRefFactory, string, ICanTell> _resolveMaster;
    private readonly TimeSpan _recordExpiry;
    private readonly bool _subscribeToGossip;
    private readonly IActorRef _metadataCopy;
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    private IActorRef _journal;
    private FollowTarget _target = new(null, 0);
    private IReadOnlyCollection<BrokerRecord> _table = [];
    private BrokerRecord? _master;
    private IActorRef? _source; // the master's source actor, once it welcomed us
    private long _sessionId;
    private long _expected; // where the next chunk must start
    private long _masterMax;
    private DateTime _lastHeard;
    private List<ReplicaEpoch> _pendingEpochs = new();
    private string? _lastRefusal;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="journal">The journal, or the store actor (asked for the journal at start).</param>
    /// <param name="resolveMaster">Addresses a master's source actor by its broker path (tests substitute probes).</param>
    public ReplicaFollowerActor(ReplicationSettings settings, BrokerSettings broker, IReplicaLog log, BrokerRoleState role,
        IActorRef journal, TimeSpan recordExpiry, bool subscribeToGossip, Func<IActorRefFactory, string, ICanTell>? resolveMaster,
        IActorRef? metadataCopy)
    {
        _metadataCopy = metadataCopy ?? ActorRefs.Nobody;
        _subscribeToGossip = subscribeToGossip;
        _settings = settings;
        _broker = broker;
        _log = log;
        _role = role;
        _journal = journal;
        _recordExpiry = recordExpiry;
        _resolveMaster = resolveMaster ?? ((context, brokerPath) => context.ActorSelection(brokerPath + "/" + ReplicaSourceActor.Name));
        Receive<IActorRef>(j => _journal = j); // the store actor's answer to GetJournal
        Receive<Changed>(c => OnTable(c.Get(BrokerRegistry.Key).Entries.Values));
        Receive<BrokerTable>(t => OnTable(t.Records));
        Receive<FollowTarget>(OnTarget);
        Receive<ReplicaWelcome>(OnWelcome);
        Receive<ReplicaRefused>(OnRefused);
        Receive<ReplicaChunk>(OnChunk);
        Receive<ReplicaAppended>(OnAppended);
        Receive<ReplicaAppendFailed>(f => EndSession($"appending at {_expected} failed on this slave (log ends at {f.MaxOffset}): {f.Error}", error: true));
        Receive<LogTruncated>(t => _logger.Info("Slave #{0}: log cut back to {1} to match the master's history", _broker.BrokerId, t.MaxOffset));
        Receive<LogStartedAt>(s => _logger.Warning("Slave #{0}: store emptied; its log starts at the master's min offset {1}", _broker.BrokerId, s.Offset));
        Receive<EpochBegun>(_ => { });
        Receive<TruncateRefused>(r => EndSession($"cutting the log at {r.Offset} was refused: {r.Error}", error: true));
        Receive<StartLogRefused>(r => EndSession($"starting the log at {r.Offset} was refused: {r.Error}", error: true));
        Receive<EpochRefused>(r => EndSession($"beginning epoch {r.Epoch} at {r.StartOffset} was refused: {r.Error}", error: true));
        Receive<Tick>(_ => OnTick());
    }

    /// <summary>The broker table as a test hands it in (the node subscribes to the gossip table instead).</summary>
    public sealed record BrokerTable(IReadOnlyCollection<BrokerRecord> Records);

    /// <param name="subscribeToGossip">Off in actor tests, which hand in <see cref="BrokerTable"/>s instead.</param>
    /// <param name="metadataCopy">Told which master to copy topic configs and offsets from (<see cref="MetadataCopyActor"/>).</param>
    public static Props Props(ReplicationSettings settings, BrokerSettings broker, IReplicaLog log, BrokerRoleState role,
        IActorRef journal, TimeSpan recordExpiry, bool subscribeToGossip = true, Func<IActorRefFactory, string, ICanTell>? resolveMaster = null,
        IActorRef? metadataCopy = null) =>
        Akka.Actor.Props.Create(() => new ReplicaFollowerActor(settings, broker, log, role, journal, recordExpiry, subscribeToGossip, resolveMaster, metadataCopy));

    protected override void PostStop() => _metadataCopy.Tell(new ReplicaMasterChanged(null));

    protected override void PreStart()
    {
        _journal.Tell(GetJournal.Instance);
        if (_subscribeToGossip)
            DistributedData.Get(Context.System).Replicator.Tell(Dsl.Subscribe(BrokerRegistry.Key, Self));
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromTicks(Math.Min(_settings.HeartbeatInterval.Ticks, TimeSpan.FromSeconds(1).Ticks)));
    }

    private bool Connected => _source is not null;

    private void OnTable(IEnumerable<BrokerRecord> records)
    {
        _table = records.ToArray();
        Choose();
    }

    private void OnTarget(FollowTarget target)
    {
        _target = target;
        if (_master is not null && (target.MasterBrokerId is { } id && _master.BrokerId != id || _master.Epoch < target.MinEpoch))
            EndSession($"failover names master #{target.MasterBrokerId} of epoch {target.MinEpoch}", error: false);
        Choose();
    }

    /// <summary>Picks the master from the table; a different one than the current ends the session and says hello to it.</summary>
    private void Choose()
    {
        var master = MasterLookup.Find(_table, _broker, _target, BrokerRegistry.NowMillis(), _recordExpiry);
        if (master is null) return; // keep the current session: a missing record alone does not end it (housekeeping does)
        if (_master is not null && _master.BrokerPath == master.BrokerPath && _master.Epoch == master.Epoch) return;
        if (_master is not null) EndSession($"the broker table now names {master.BrokerPath} (epoch {master.Epoch}) as master", error: false);
        _master = master;
        Hello();
    }

    private void Hello()
    {
        if (_master is null) return;
        _sessionId++;
        _source = null;
        _resolveMaster(Context, _master.BrokerPath).Tell(new ReplicaHello(_broker.BrokerName, _broker.BrokerId, _sessionId,
            EpochWire.ToWire(_log.Epochs), _log.MaxOffset, _log.SegmentSize), Self);
        _lastHeard = DateTime.UtcNow;
    }

    private void OnWelcome(ReplicaWelcome welcome)
    {
        if (welcome.SessionId != _sessionId) return;
        _source = Sender;
        _lastHeard = DateTime.UtcNow;
        _lastRefusal = null;
        _masterMax = welcome.MasterMaxOffset;
        long own = _log.MaxOffset;
        if (welcome.StartOffset < own)
        {
            _logger.Warning("Slave #{0}: the master's history diverges from this log at {1}; cutting {2} bytes beyond it", _broker.BrokerId, welcome.StartOffset, own - welcome.StartOffset);
            _journal.Tell(new TruncateLog(welcome.StartOffset));
        }
        else if (welcome.StartOffset > own)
        {
            _logger.Warning("Slave #{0}: this log ends at {1}, below the master's oldest byte: the store starts over, empty, at the master's min offset {2}",
                _broker.BrokerId, own, welcome.StartOffset);
            _journal.Tell(new StartLogAt(welcome.StartOffset,
                (welcome.QueueStarts ?? []).Select(q => new QueueStart(q.Topic, q.QueueId, q.NextOffset)).ToArray()));
        }
        _logger.Info("Slave #{0} of {1} follows master #{2} ({3}) from offset {4}; the master's log ends at {5}",
            _broker.BrokerId, _broker.BrokerName, welcome.MasterBrokerId, _master?.BrokerPath, welcome.StartOffset, welcome.MasterMaxOffset);
        _expected = welcome.StartOffset;
        _metadataCopy.Tell(new ReplicaMasterChanged(_master?.BrokerPath));
        // The master's epochs this log does not hold yet begin as the bytes reach their start (a chunk never crosses one).
        long ownEpoch = _log.CurrentEpoch;
        _pendingEpochs = (welcome.Epochs ?? []).Where(e => e.Epoch > ownEpoch).OrderBy(e => e.StartOffset).ToList();
        BeginDueEpochs(_expected);
        UpdateLag(_expected);
        Ack(Math.Min(own, welcome.StartOffset));
        _catchUp = welcome.MasterMaxOffset > welcome.StartOffset
            ? (welcome.StartOffset, welcome.MasterMaxOffset, System.Diagnostics.Stopwatch.StartNew()) : null;
    }

    /// <summary>Where this session started and the master's log end then: reaching it is logged once, with the speed.</summary>
    private (long From, long Target, System.Diagnostics.Stopwatch Elapsed)? _catchUp;

    private void LogCatchUp(long own)
    {
        if (_catchUp is not { } c || own < c.Target) return;
        _catchUp = null;
        double seconds = Math.Max(c.Elapsed.Elapsed.TotalSeconds, 0.001), mib = (own - c.From) / 1048576.0;
        _logger.Info("Slave #{0} caught up with the master's log end at its start ({1}): {2:0.#} MiB in {3:0.0} s, {4:0} MiB/s",
            _broker.BrokerId, c.Target, mib, seconds, mib / seconds);
    }

    private void BeginDueEpochs(long offset)
    {
        while (_pendingEpochs.Count > 0 && _pendingEpochs[0].StartOffset <= offset)
        {
            _journal.Tell(new BeginEpoch(_pendingEpochs[0].Epoch, _pendingEpochs[0].StartOffset));
            _pendingEpochs.RemoveAt(0);
        }
    }

    private void OnRefused(ReplicaRefused refused)
    {
        if (refused.SessionId != _sessionId) return;
        if (refused.Reason != _lastRefusal) _logger.Error("Slave #{0}: replication refused: {1}", _broker.BrokerId, refused.Reason);
        _lastRefusal = refused.Reason;
        _source = null; // the tick says hello again
    }

    private void OnChunk(ReplicaChunk chunk)
    {
        if (chunk.SessionId != _sessionId || !Connected) return;
        _lastHeard = DateTime.UtcNow;
        _masterMax = Math.Max(_masterMax, chunk.MasterMaxOffset);
        var bytes = chunk.Bytes ?? [];
        if (bytes.Length == 0)
        {
            UpdateLag(_expected);
            return;
        }
        if (chunk.StartOffset != _expected)
        {
            EndSession($"a chunk starts at {chunk.StartOffset}, expected {_expected}", error: true);
            return;
        }
        BeginDueEpochs(chunk.StartOffset);
        _journal.Tell(new AppendReplica(chunk.StartOffset, bytes));
        _expected += bytes.Length;
    }

    private void OnAppended(ReplicaAppended appended)
    {
        UpdateLag(appended.MaxOffset);
        LogCatchUp(appended.MaxOffset);
        if (Connected) Ack(appended.MaxOffset);
    }

    private void Ack(long maxOffset) => _source?.Tell(new ReplicaAck(_sessionId, _broker.BrokerId, maxOffset));

    private void UpdateLag(long own) => _role.ReplicaLagBytes = Math.Max(0, _masterMax - own);

    private void EndSession(string reason, bool error)
    {
        if (error) _logger.Error("Slave #{0}: replication session ended: {1}; saying hello again", _broker.BrokerId, reason);
        else _logger.Info("Slave #{0}: replication session ended: {1}", _broker.BrokerId, reason);
        _source = null;
        _sessionId++; // whatever the old session still sends is ignored
        _metadataCopy.Tell(new ReplicaMasterChanged(null));
        if (!error) _master = null;
    }

    private void OnTick()
    {
        if (Connected && DateTime.UtcNow - _lastHeard > _settings.HousekeepingInterval)
        {
            EndSession($"master silent for {(DateTime.UtcNow - _lastHeard).TotalSeconds:0.#} s (ha-housekeeping-interval)", error: true);
            _master = null;
            _role.ReplicaLagBytes = null;
        }
        if (!Connected)
        {
            if (_master is null) Choose();
            else Hello();
            return;
        }
        if (DateTime.UtcNow - _lastAck >= _settings.HeartbeatInterval)
        {
            _lastAck = DateTime.UtcNow;
            Ack(Math.Min(_log.MaxOffset, _expected)); // never past what this session wrote (a cut may still be on its way)
        }
    }

    private DateTime _lastAck = DateTime.UtcNow;
}
