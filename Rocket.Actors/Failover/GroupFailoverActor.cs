using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Rocket.Protocol;

namespace Rocket.Failover;

/// <summary>
/// The coordinator's child for one broker group: holds the group's decision and runs its failover, one step at a time.
/// <code>
/// Watching ──master missing for failover-after──▶ Collecting (GetReplicaPosition to every live broker)
///    ▲                                                 │ answers or position-timeout: rank
///    │                                                 ▼
///    ├──────────── write failed / no one eligible ── Storing (epoch+1 with the best candidate, WriteMajority)
///    │                                                 │ stored
///    │                                                 ▼
///    └──── PromotedToMaster: FollowMaster to the rest ─ Promoting (PromoteToMaster, resent; refused or timed out:
///                                                        the next candidate, with a new epoch)
/// </code>
/// Every decision, refusal and skipped failover is logged with the group, the epoch and the reason.
/// </summary>
public sealed class GroupFailoverActor : ReceiveActor, IWithTimers
{
    private enum Phase { Watching, Collecting, Storing, Promoting }

    private sealed class FailoverDue { public static readonly FailoverDue Instance = new(); }
    private sealed class RetryDue { public static readonly RetryDue Instance = new(); }
    private sealed class PositionsDue { public static readonly PositionsDue Instance = new(); }
    private sealed class ResendPromotion { public static readonly ResendPromotion Instance = new(); }
    private sealed class PromotionDue { public static readonly PromotionDue Instance = new(); }
    private sealed class ProbeDue { public static readonly ProbeDue Instance = new(); }

    /// <summary>The tag of an Identify sent to a group's master, so its answer counts only for that master and epoch.</summary>
    private sealed record MasterProbe(long BrokerId, long Epoch);

    /// <summary>The request tag of a decision write, so its answer is matched to the write it belongs to.</summary>
    private sealed record DecisionWrite(BrokerGroupEpoch Decision, bool First);

    /// <summary>The request tag of a write that only records where a confirmed master's epoch began.</summary>
    private sealed record StartOffsetWrite(BrokerGroupEpoch Decision);

    private const string FailoverTimer = "failover", RetryTimer = "retry", PositionsTimer = "positions",
        ResendTimer = "resend", PromotionTimer = "promotion", ProbeTimer = "probe";

    private readonly string _clusterName;
    private readonly string _brokerName;
    private readonly string _group;
    private readonly FailoverSettings _settings;
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly UniqueAddress _self = Cluster.Get(Context.System).SelfUniqueAddress;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private BrokerGroupEpoch? _decision;
    private GroupView _view;
    private Phase _phase = Phase.Watching;
    private DateTime? _missingSince;
    /// <summary>When the decided master last answered a probe: failover-after counts from there.</summary>
    private DateTime? _lastAnswer;
    /// <summary>failover-after has passed (or the decisions are behind the brokers): elect whenever possible.</summary>
    private bool _electionDue;
    private long _highestTried;
    /// <summary>The role of the master being replaced, as last published: the promoted broker takes it over.</summary>
    private BrokerRole? _replacedRole;
    // Notices of a situation that may repeat every few seconds (a master that stays away, slaves that do not answer):
    // each is logged once until the group is healthy again.
    private readonly HashSet<string> _notices = new(StringComparer.Ordinal);
    private readonly Dictionary<long, ReplicaPosition> _positions = new();
    private readonly HashSet<long> _asked = new();
    private long _positionsEpoch;
    private readonly Queue<ReplicaPosition> _candidates = new();
    private DecisionWrite? _writing;
    private readonly Dictionary<long, (long Epoch, DateTime At)> _followed = new();
    private GroupFailoverState? _reported;

    public ITimerScheduler Timers { get; set; } = null!;

    public GroupFailoverActor(string clusterName, string brokerName, BrokerGroupEpoch? stored, FailoverSettings settings)
    {
        _clusterName = clusterName;
        _brokerName = brokerName;
        _group = EpochTable.GroupKey(clusterName, brokerName);
        _decision = stored;
        _highestTried = stored?.Epoch ?? 0;
        _settings = settings;
        _view = new GroupView(clusterName, brokerName, []);

        Receive<GroupView>(OnView);
        Receive<FailoverDue>(_ => OnFailoverDue());
        Receive<RetryDue>(_ => Evaluate());
        Receive<ReplicaPosition>(OnPosition);
        Receive<PositionsDue>(_ => { if (_phase == Phase.Collecting) Choose(); });
        Receive<UpdateSuccess>(s => s.Request is DecisionWrite w, s => OnStored((DecisionWrite)s.Request!));
        Receive<IUpdateFailure>(f => f.Request is DecisionWrite, f => OnStoreFailed((DecisionWrite)f.Request!, f));
        Receive<UpdateSuccess>(s => s.Request is StartOffsetWrite, _ => { });
        Receive<IUpdateFailure>(f => f.Request is StartOffsetWrite, f => _log.Warning(
            "{0} epoch {1}: recording the epoch's start offset {2} on a majority failed ({3}); the decision itself stands",
            _group, ((StartOffsetWrite)f.Request!).Decision.Epoch, ((StartOffsetWrite)f.Request!).Decision.StartOffset, f.GetType().Name));
        Receive<ResendPromotion>(_ => { if (_phase == Phase.Promoting) SendPromotion(); });
        Receive<PromotionDue>(_ => OnPromotionDue());
        Receive<PromotedToMaster>(OnPromoted);
        Receive<PromotionRefused>(OnRefused);
        Receive<ProbeDue>(_ => Probe());
        Receive<ActorIdentity>(OnProbeAnswer);
    }

    public static Props Props(string clusterName, string brokerName, BrokerGroupEpoch? stored, FailoverSettings settings) =>
        Akka.Actor.Props.Create(() => new GroupFailoverActor(clusterName, brokerName, stored, settings));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(ProbeTimer, ProbeDue.Instance, _settings.MasterProbeInterval);
        Report();
    }

    protected override void Unhandled(object message)
    {
        _log.Warning("{0}: unexpected message {1} from {2}", _group, message, Sender);
        base.Unhandled(message);
    }

    private long Epoch => _decision?.Epoch ?? 0;

    // ---------------------------------------------------------------------------------------------- watching

    private void OnView(GroupView view)
    {
        _view = view;
        if (_phase == Phase.Collecting && _decision is { } d && !d.IsVacant() && view.Live(d.MasterBrokerId) is not null
            && FailoverRules.Assess(d, view) is Assessment.MasterLive)
        {
            // Nothing is decided yet: the master simply keeps its epoch.
            _log.Info("{0} epoch {1}: master broker {2} is back before a new master was chosen; failover cancelled",
                _group, d.Epoch, d.MasterBrokerId);
            Timers.Cancel(PositionsTimer);
            _phase = Phase.Watching;
        }
        if (_phase == Phase.Watching) Evaluate();
        Report();
    }

    private void Evaluate()
    {
        if (_phase != Phase.Watching) return;
        switch (FailoverRules.Assess(_decision, _view))
        {
            case Assessment.NoDecisionYet wait:
                NoticeOnce($"{_group}: no decision yet: {wait.Reason}");
                break;
            case Assessment.DecideFirst first:
                if (!Timers.IsTimerActive(RetryTimer)) Store(new DecisionWrite(first.Decision, First: true));
                break;
            case Assessment.ElectNow elect:
                _electionDue = true;
                TryElect(elect.Reason);
                break;
            case Assessment.MasterLive:
                if (_missingSince is { } since)
                    _log.Info("{0} epoch {1}: master broker {2} is live again after {3:F1} s; no failover", _group, Epoch,
                        _decision!.MasterBrokerId, (DateTime.UtcNow - since).TotalSeconds);
                _missingSince = null;
                _electionDue = false;
                _notices.Clear();
                Timers.Cancel(FailoverTimer);
                Timers.Cancel(RetryTimer);
                SendFollows();
                break;
            case Assessment.MasterMissing missing:
                if (_missingSince is null)
                {
                    var now = DateTime.UtcNow;
                    var missingSince = MissingSince(now);
                    _missingSince = missingSince;
                    var due = missingSince + _settings.FailoverAfter - now;
                    _log.Warning("{0} epoch {1}: {2}; last answered {3:F1} s ago; a slave is promoted in {4:F1} s unless it returns{5}", _group,
                        Epoch, missing.Reason, (now - missingSince).TotalSeconds, due.TotalSeconds,
                        _settings.Enable ? "" : " (failover is disabled: rocket.failover.enable = off)");
                    Timers.StartSingleTimer(FailoverTimer, FailoverDue.Instance, due > TimeSpan.Zero ? due : TimeSpan.Zero);
                }
                SendFollows();
                if (_electionDue) TryElect(missing.Reason);
                break;
        }
    }

    /// <summary>
    /// When the master went missing: its last answer to a probe, if that is recent (the failure detector marks a dead
    /// process unreachable only seconds after its last heartbeat); otherwise now (a master that was never probed, or
    /// that stopped answering long ago while still reachable, is not replaced any sooner than failover-after from now).
    /// </summary>
    private DateTime MissingSince(DateTime now) =>
        _lastAnswer is { } last && now - last < _settings.FailoverAfter ? last : now;

    /// <summary>Asks the decided master, if live, for an answer (any actor answers Identify; nothing on the broker side).</summary>
    private void Probe()
    {
        if (_decision is not { } d || d.IsVacant() || _view.Live(d.MasterBrokerId) is not { } master) return;
        Send(master.Record, new Identify(new MasterProbe(d.MasterBrokerId, d.Epoch)));
    }

    private void OnProbeAnswer(ActorIdentity identity)
    {
        if (identity.MessageId is MasterProbe p && identity.Subject is not null && _decision is { } d
            && d.MasterBrokerId == p.BrokerId && d.Epoch == p.Epoch)
            _lastAnswer = DateTime.UtcNow;
    }

    private void OnFailoverDue()
    {
        if (_phase != Phase.Watching || _missingSince is null) return;
        _electionDue = true;
        Evaluate();
        Report();
    }

    /// <summary>Starts an election unless it is disabled or a retry is pending.</summary>
    private void TryElect(string reason)
    {
        if (Timers.IsTimerActive(RetryTimer)) return;
        if (!_settings.Enable)
        {
            NoticeOnce($"{_group} epoch {Epoch}: {reason}; no slave promoted: failover is disabled (rocket.failover.enable = off)");
            return;
        }
        var live = _view.LiveBrokers.Select(b => b.BrokerId).ToList();
        if (live.Count == 0)
        {
            NoticeOnce($"{_group} epoch {Epoch}: {reason}; no live broker of the group to promote: no decision until one appears");
            return;
        }
        Notice($"{_group} epoch {Epoch}: {reason}; asking brokers [{string.Join(", ", live)}] for their log end", warning: false);
        _phase = Phase.Collecting;
        _positions.Clear();
        _asked.Clear();
        _asked.UnionWith(live);
        _positionsEpoch = Epoch;
        foreach (var broker in _view.LiveBrokers) Send(broker.Record, new GetReplicaPosition(_brokerName));
        Timers.StartSingleTimer(PositionsTimer, PositionsDue.Instance, _settings.PositionTimeout);
    }

    // ---------------------------------------------------------------------------------------------- collecting

    private void OnPosition(ReplicaPosition position)
    {
        if (_phase == Phase.Collecting && position.BrokerName == _brokerName && _asked.Contains(position.BrokerId))
        {
            _positions[position.BrokerId] = position;
            if (_positions.Count == _asked.Count) Choose();
            return;
        }
        if (_decision is { } d && !d.IsVacant() && position.Epoch < d.Epoch)
        {
            _log.Info("{0} epoch {1}: broker {2} answered from epoch {3}; telling it to follow broker {4}", _group, d.Epoch,
                position.BrokerId, position.Epoch, d.MasterBrokerId);
            Sender.Tell(new FollowMaster(d));
            return;
        }
        _log.Debug("{0}: position of broker {1} (epoch {2}, offset {3}) arrived after the choice was made", _group,
            position.BrokerId, position.Epoch, position.MaxOffset);
    }

    private void Choose()
    {
        Timers.Cancel(PositionsTimer);
        var silent = _asked.Where(id => !_positions.ContainsKey(id)).Order().ToList();
        if (silent.Count > 0)
            NoticeOnce($"{_group} epoch {Epoch}: no position from brokers [{string.Join(", ", silent)}] within {_settings.PositionTimeout}; they are not candidates");
        var ranking = FailoverRules.Rank(_decision, _positions.Values);
        foreach (var (position, reason) in ranking.Excluded)
            NoticeOnce($"{_group} epoch {Epoch}: broker {position.BrokerId} is not a candidate: {reason}");
        _candidates.Clear();
        foreach (var candidate in ranking.Eligible) _candidates.Enqueue(candidate);
        if (_candidates.Count == 0)
        {
            GiveUpForNow($"no broker eligible for promotion answered ({_positions.Count} of {_asked.Count} answered)");
            return;
        }
        _positionsEpoch = ranking.Epoch;
        NextCandidate();
    }

    /// <summary>Back to watching; the election is tried again after resend-interval (or when a view shows it can be).</summary>
    private void GiveUpForNow(string reason)
    {
        NoticeOnce($"{_group} epoch {Epoch}: no new master: {reason}; trying again every {_settings.ResendInterval} (this is logged once)");
        _phase = Phase.Watching;
        Timers.StartSingleTimer(RetryTimer, RetryDue.Instance, _settings.ResendInterval);
    }

    // ---------------------------------------------------------------------------------------------- storing

    private void NextCandidate()
    {
        if (!_candidates.TryDequeue(out var candidate))
        {
            // The stored epoch names a broker that is not master: mark it vacant so nobody is told to follow it.
            if (_decision is { } failed && !failed.IsVacant() && failed.Epoch == _highestTried)
            {
                _log.Warning("{0} epoch {1}: every candidate refused or did not answer; epoch {1} stays without a master", _group, failed.Epoch);
                Store(new DecisionWrite(failed with { MasterBrokerId = FailoverRules.NoMaster }, First: false));
                return;
            }
            GiveUpForNow("every candidate refused or did not answer");
            return;
        }
        if (_decision is { } replaced && _view.Brokers.FirstOrDefault(b => b.BrokerId == replaced.MasterBrokerId) is { } old && old.Record.Role.IsMaster())
            _replacedRole = old.Record.Role;
        long epoch = FailoverRules.NextEpoch(_decision, _highestTried, _positionsEpoch);
        _highestTried = epoch;
        var decision = new BrokerGroupEpoch(_clusterName, _brokerName, epoch, candidate.BrokerId, candidate.MaxOffset);
        _log.Info("{0}: choosing broker {1} (epoch {2}, log end {3}) as master of epoch {4}; storing the decision on a majority",
            _group, candidate.BrokerId, candidate.Epoch, candidate.MaxOffset, epoch);
        Store(new DecisionWrite(decision, First: false));
    }

    private void Store(DecisionWrite write)
    {
        _writing = write;
        _phase = Phase.Storing;
        var decision = write.Decision;
        var self = _self;
        _replicator.Tell(Dsl.Update(EpochTable.Key, EpochTable.Empty, new WriteMajority(_settings.MajorityTimeout), write,
            table => table.SetItem(self, EpochTable.GroupKey(decision), decision, EpochTable.Timestamp)));
        Report();
    }

    private void OnStored(DecisionWrite write)
    {
        if (!ReferenceEquals(write, _writing)) return;
        _writing = null;
        _decision = write.Decision;
        _lastAnswer = null; // answers counted for the previous master
        var d = write.Decision;
        if (write.First)
        {
            _log.Info("{0}: epoch 1 decided: master broker {1} (first seen with its configured master live), stored on a majority",
                _group, d.MasterBrokerId);
            _phase = Phase.Watching;
            Evaluate();
        }
        else if (d.IsVacant())
        {
            _log.Info("{0}: epoch {1} stored as vacant", _group, d.Epoch);
            GiveUpForNow($"epoch {d.Epoch} had no broker confirm its promotion");
        }
        else
        {
            _log.Info("{0}: epoch {1} decided: broker {2} is to be master from offset {3}; sending PromoteToMaster", _group,
                d.Epoch, d.MasterBrokerId, d.StartOffset);
            _phase = Phase.Promoting;
            SendPromotion();
            Timers.StartPeriodicTimer(ResendTimer, ResendPromotion.Instance, _settings.ResendInterval);
            Timers.StartSingleTimer(PromotionTimer, PromotionDue.Instance, _settings.PromoteTimeout);
        }
        Report();
    }

    private void OnStoreFailed(DecisionWrite write, IUpdateFailure failure)
    {
        if (!ReferenceEquals(write, _writing)) return;
        _writing = null;
        string why = failure is UpdateTimeout ? $"no majority confirmed it within {_settings.MajorityTimeout}" : failure.ToString()!;
        _log.Warning("{0}: epoch {1} (master broker {2}) could not be stored on a majority: {3}; not acting on it (a minority side never decides)",
            _group, write.Decision.Epoch, write.Decision.MasterBrokerId, why);
        // A failed write may still sit on some replicas: its epoch is never reused (see EpochTable.Timestamp).
        _phase = Phase.Watching;
        Timers.StartSingleTimer(RetryTimer, RetryDue.Instance, _settings.ResendInterval);
        Report();
    }

    // ---------------------------------------------------------------------------------------------- promoting

    private void SendPromotion()
    {
        var d = _decision!;
        if (_view.Brokers.FirstOrDefault(b => b.BrokerId == d.MasterBrokerId) is { } broker)
            Send(broker.Record, new PromoteToMaster(d, _replacedRole));
        else
            _log.Warning("{0} epoch {1}: broker {2} left the broker table; PromoteToMaster cannot be sent", _group, d.Epoch, d.MasterBrokerId);
    }

    private void OnPromoted(PromotedToMaster promoted)
    {
        var d = _decision;
        if (_phase == Phase.Promoting && d is not null && promoted.Epoch == d.Epoch && promoted.BrokerId == d.MasterBrokerId)
        {
            Timers.Cancel(ResendTimer);
            Timers.Cancel(PromotionTimer);
            string after = _missingSince is { } since ? $", {(DateTime.UtcNow - since).TotalSeconds:F1} s after the old master was missed" : "";
            _log.Info("{0} epoch {1}: broker {2} confirmed it is master from offset {3}{4}", _group, d.Epoch, promoted.BrokerId,
                promoted.StartOffset, after);
            if (promoted.StartOffset != d.StartOffset)
            {
                // Its log grew between its position answer and the promotion: the epoch begins where it says.
                _decision = d = d with { StartOffset = promoted.StartOffset };
                var self = _self;
                var updated = d;
                _replicator.Tell(Dsl.Update(EpochTable.Key, EpochTable.Empty, new WriteMajority(_settings.MajorityTimeout),
                    new StartOffsetWrite(updated), table => table.SetItem(self, EpochTable.GroupKey(updated), updated, EpochTable.Timestamp)));
            }
            _phase = Phase.Watching;
            _missingSince = null;
            _electionDue = false;
            _notices.Clear();
            Timers.Cancel(FailoverTimer);
            SendFollows(force: true);
            Report();
            return;
        }
        if (d is not null && promoted.Epoch < d.Epoch && !d.IsVacant())
        {
            _log.Warning("{0} epoch {1}: broker {2} reports it became master of the older epoch {3}; telling it to follow broker {4}",
                _group, d.Epoch, promoted.BrokerId, promoted.Epoch, d.MasterBrokerId);
            Sender.Tell(new FollowMaster(d));
            return;
        }
        if (d is not null && promoted.Epoch == d.Epoch && promoted.BrokerId == d.MasterBrokerId && _phase == Phase.Watching)
            _log.Debug("{0}: repeated confirmation from broker {1} for epoch {2}", _group, promoted.BrokerId, promoted.Epoch);
        else
            _log.Info("{0}: broker {1} confirmed epoch {2} after that promotion was given up; it is told to follow the group's current master",
                _group, promoted.BrokerId, promoted.Epoch);
    }

    private void OnRefused(PromotionRefused refused)
    {
        var d = _decision;
        if (_phase == Phase.Promoting && d is not null && refused.Epoch == d.Epoch && refused.BrokerId == d.MasterBrokerId)
        {
            _log.Warning("{0} epoch {1}: broker {2} refused to become master: {3}; trying the next candidate", _group, d.Epoch,
                refused.BrokerId, refused.Reason);
            Timers.Cancel(ResendTimer);
            Timers.Cancel(PromotionTimer);
            NextCandidate();
            return;
        }
        _log.Info("{0}: refusal of epoch {1} by broker {2} arrived when that promotion was no longer pending ({3})", _group,
            refused.Epoch, refused.BrokerId, refused.Reason);
    }

    private void OnPromotionDue()
    {
        if (_phase != Phase.Promoting) return;
        Timers.Cancel(ResendTimer);
        _log.Warning("{0} epoch {1}: broker {2} did not confirm its promotion within {3}; trying the next candidate", _group,
            _decision!.Epoch, _decision.MasterBrokerId, _settings.PromoteTimeout);
        NextCandidate();
    }

    // ---------------------------------------------------------------------------------------------- following

    /// <summary>FollowMaster to every live broker that needs it, at most once per resend-interval each (unless forced).</summary>
    private void SendFollows(bool force = false)
    {
        if (_decision is not { } d) return;
        var now = DateTime.UtcNow;
        foreach (var (broker, reason) in FailoverRules.FollowTargets(d, _view))
        {
            bool told = _followed.TryGetValue(broker.BrokerId, out var last) && last.Epoch == d.Epoch;
            if (!force && told && now - last.At < _settings.ResendInterval) continue;
            if (!told)
                _log.Info("{0} epoch {1}: FollowMaster (master broker {2}) to broker {3}: {4}", _group, d.Epoch, d.MasterBrokerId,
                    broker.BrokerId, reason);
            Send(broker.Record, new FollowMaster(d));
            _followed[broker.BrokerId] = (d.Epoch, now);
        }
    }

    private void Send(BrokerRecord broker, object message) =>
        Context.ActorSelection(FailoverRules.FrontActorPath(broker)).Tell(message, Self);

    private void NoticeOnce(string notice) => Notice(notice, warning: true);

    private void Notice(string notice, bool warning)
    {
        if (!_notices.Add(notice)) return;
        if (warning) _log.Warning(notice);
        else _log.Info(notice);
    }

    // ---------------------------------------------------------------------------------------------- status

    private void Report()
    {
        var state = new GroupFailoverState(_clusterName, _brokerName, _decision, Status());
        if (state == _reported) return;
        _reported = state;
        Context.Parent.Tell(state);
    }

    private string Status()
    {
        var d = _decision;
        return _phase switch
        {
            Phase.Collecting => $"asking brokers [{string.Join(", ", _asked.Order())}] for their log end",
            Phase.Storing => $"storing epoch {_writing?.Decision.Epoch} (master broker {_writing?.Decision.MasterBrokerId}) on a majority",
            Phase.Promoting => $"promoting broker {d?.MasterBrokerId} to master of epoch {d?.Epoch}",
            _ when d is null => "no decision yet",
            _ when _missingSince is { } since => $"master missing since {since:HH:mm:ss.f}Z" +
                (_settings.Enable ? (_electionDue ? ", failover due" : $", failover after {_settings.FailoverAfter}") : ", failover disabled"),
            _ when d.IsVacant() => "no master",
            _ => "master live",
        };
    }
}
