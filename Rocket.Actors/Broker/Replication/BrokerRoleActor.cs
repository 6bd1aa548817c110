using Akka.Actor;
using Akka.Event;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Replication;

namespace Rocket.Broker.Replication;

/// <summary>
/// The one place that knows the broker's role and epoch at run time (<c>/user/broker/role</c>): it writes them into
/// <see cref="BrokerRoleState"/> (read lock-free by the produce path), runs the <see cref="ReplicaFollowerActor"/>
/// while the broker is a slave, tells its parent (<see cref="RoleChanged"/>) so the master-only actors start or stop
/// and the broker record is published, and carries out the failover coordinator's orders:
/// <see cref="GetReplicaPosition"/>, <see cref="PromoteToMaster"/>, <see cref="FollowMaster"/>.
/// </summary>
public sealed class BrokerRoleActor : ReceiveActor, IWithTimers
{
    public const string Name = "role";

    /// <summary>How long a promotion waits for the journal to record the new epoch before it is refused.</summary>
    internal static readonly TimeSpan EpochTimeout = TimeSpan.FromSeconds(10);

    private sealed record PromotionTimedOut(long Epoch);

    private sealed record Promotion(PromoteToMaster Order, IActorRef Coordinator, long StartOffset)
    {
        public BrokerRole Role(ReplicationSettings settings) => settings.PromotedRole ?? Order.MasterRole ?? BrokerRole.AsyncMaster;
    }

    private readonly ReplicationSettings _settings;
    private readonly BrokerSettings _broker;
    private readonly IReplicaLog _log;
    private readonly BrokerRoleState _state;
    private readonly IActorRef _source;
    private readonly Func<IActorRef, Props> _follower;
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    private IActorRef _journal;
    private IActorRef? _following;
    private Promotion? _promotion;
    private long? _confirming; // an epoch the coordinator says this master leads, being recorded by the journal
    private int _followers;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="journal">The journal, or the store actor (asked for the journal at start).</param>
    /// <param name="source">This broker's <see cref="ReplicaSourceActor"/>.</param>
    /// <param name="follower">Props of the follower, given the journal.</param>
    public BrokerRoleActor(ReplicationSettings settings, BrokerSettings broker, IReplicaLog log, BrokerRoleState state,
        IActorRef journal, IActorRef source, Func<IActorRef, Props> follower)
    {
        _settings = settings;
        _broker = broker;
        _log = log;
        _state = state;
        _journal = journal;
        _source = source;
        _follower = follower;
        Receive<IActorRef>(j => _journal = j); // the store actor's answer to GetJournal
        Receive<GetReplicaPosition>(OnGetPosition);
        Receive<PromoteToMaster>(OnPromote);
        Receive<EpochBegun>(OnEpochBegun);
        Receive<EpochRefused>(r =>
        {
            if (_confirming == r.Epoch)
            {
                _confirming = null; // the coordinator repeats its order, so it is tried again
                _logger.Error("{0} could not record epoch {1}: the journal refused it at {2}: {3}", Who, r.Epoch, r.StartOffset, r.Error);
            }
            RefusePromotion(r.Epoch, $"the journal refused epoch {r.Epoch} at {r.StartOffset}: {r.Error}");
        });
        Receive<PromotionTimedOut>(OnPromotionTimedOut);
        Receive<FollowMaster>(OnFollow);
    }

    public static Props Props(ReplicationSettings settings, BrokerSettings broker, IReplicaLog log, BrokerRoleState state,
        IActorRef journal, IActorRef source, Func<IActorRef, Props> follower) =>
        Akka.Actor.Props.Create(() => new BrokerRoleActor(settings, broker, log, state, journal, source, follower));

    protected override void PreStart()
    {
        _journal.Tell(GetJournal.Instance);
        _state.Set(_state.Role, Math.Max(_state.Current.Epoch, _log.CurrentEpoch));
        if (!_state.IsMaster) StartFollowing(new FollowTarget(null, _state.Current.Epoch));
    }

    private string Who => $"broker {_broker.BrokerName} #{_broker.BrokerId}";

    private void OnGetPosition(GetReplicaPosition get) =>
        Sender.Tell(new ReplicaPosition(_broker.BrokerName, _broker.BrokerId, _state.Current.Epoch, _log.MaxOffset));

    private void OnPromote(PromoteToMaster order)
    {
        var d = order.Decision;
        string? refusal = d.BrokerName != _broker.BrokerName || d.ClusterName != _broker.ClusterName
                ? $"it is {_broker.ClusterName}/{_broker.BrokerName}, the order names {d.ClusterName}/{d.BrokerName}"
            : d.MasterBrokerId != _broker.BrokerId ? $"the order names broker #{d.MasterBrokerId} as master, this is #{_broker.BrokerId}"
            : d.Epoch <= _state.Current.Epoch ? $"epoch {d.Epoch} is not newer than this broker's epoch {_state.Current.Epoch}"
            : _promotion is not null ? $"a promotion to epoch {_promotion.Order.Decision.Epoch} is in progress"
            : null;
        if (refusal is not null)
        {
            _logger.Warning("{0} refuses promotion to master of epoch {1}: {2}", Who, d.Epoch, refusal);
            Sender.Tell(new PromotionRefused(_broker.BrokerName, _broker.BrokerId, d.Epoch, refusal));
            return;
        }
        StopFollowing();
        long start = _log.MaxOffset;
        _promotion = new Promotion(order, Sender, start);
        _logger.Warning("{0} becomes master of epoch {1} at offset {2} (failover)", Who, d.Epoch, start);
        _journal.Tell(new BeginEpoch(d.Epoch, start));
        Timers.StartSingleTimer("promotion", new PromotionTimedOut(d.Epoch), EpochTimeout);
    }

    private void OnEpochBegun(EpochBegun begun)
    {
        if (_confirming == begun.Epoch && _promotion is null)
        {
            _confirming = null;
            _state.Set(_state.Role, begun.Epoch);
            Context.Parent.Tell(new RoleChanged(_state.Role, begun.Epoch));
            _logger.Info("{0} leads epoch {1} from offset {2}", Who, begun.Epoch, begun.StartOffset);
            return;
        }
        if (_promotion is not { } p || p.Order.Decision.Epoch != begun.Epoch) return;
        Timers.Cancel("promotion");
        _promotion = null;
        var role = p.Role(_settings);
        _state.Set(role, begun.Epoch);
        Context.Parent.Tell(new RoleChanged(role, begun.Epoch));
        _logger.Warning("{0} is {1} of epoch {2} from offset {3}", Who, role.Name(), begun.Epoch, begun.StartOffset);
        p.Coordinator.Tell(new PromotedToMaster(_broker.BrokerName, _broker.BrokerId, begun.Epoch, begun.StartOffset));
    }

    private void OnPromotionTimedOut(PromotionTimedOut timedOut) =>
        RefusePromotion(timedOut.Epoch, $"the journal did not record epoch {timedOut.Epoch} within {EpochTimeout.TotalSeconds} s");

    private void RefusePromotion(long epoch, string reason)
    {
        if (_promotion is not { } p || p.Order.Decision.Epoch != epoch) return;
        Timers.Cancel("promotion");
        _promotion = null;
        _logger.Error("{0} refuses promotion: {1}; it stays a slave", Who, reason);
        p.Coordinator.Tell(new PromotionRefused(_broker.BrokerName, _broker.BrokerId, epoch, reason));
        StartFollowing(new FollowTarget(null, _state.Current.Epoch));
    }

    private void OnFollow(FollowMaster order)
    {
        var d = order.Decision;
        if (d.BrokerName == _broker.BrokerName && d.ClusterName == _broker.ClusterName && d.MasterBrokerId == _broker.BrokerId)
        {
            ConfirmLeadership(d);
            return;
        }
        if (d.BrokerName != _broker.BrokerName || d.ClusterName != _broker.ClusterName)
        {
            _logger.Warning("{0} ignores an order to follow {1}/{2} #{3}: it names {4}", Who, d.ClusterName, d.BrokerName,
                d.MasterBrokerId, d.MasterBrokerId == _broker.BrokerId ? "this broker itself" : "another broker group");
            return;
        }
        if (d.Epoch < _state.Current.Epoch)
        {
            _logger.Warning("{0} ignores an order to follow epoch {1}: it is in epoch {2}", Who, d.Epoch, _state.Current.Epoch);
            return;
        }
        bool wasMaster = _state.IsMaster;
        // Writes stop before anything else: no send is accepted in an epoch this broker no longer leads.
        _state.Set(BrokerRole.Slave, d.Epoch);
        if (wasMaster)
        {
            _logger.Warning("{0} steps down: master #{1} leads epoch {2}; it follows as a slave and cuts whatever it holds beyond the group's history",
                Who, d.MasterBrokerId, d.Epoch);
            _source.Tell(StopServingReplicas.Instance);
        }
        Context.Parent.Tell(new RoleChanged(BrokerRole.Slave, d.Epoch));
        StartFollowing(new FollowTarget(d.MasterBrokerId, d.Epoch));
    }

    /// <summary>
    /// A FollowMaster naming this broker: the coordinator says it leads that epoch (how the configured master learns it
    /// leads epoch 1). A master records the epoch at its log end and publishes it; a slave needs a PromoteToMaster.
    /// </summary>
    private void ConfirmLeadership(BrokerGroupEpoch d)
    {
        if (!_state.IsMaster)
        {
            _logger.Warning("{0} is a slave, but is told it leads epoch {1}; it waits for a promotion order", Who, d.Epoch);
            return;
        }
        if (d.Epoch <= _state.Current.Epoch || _confirming == d.Epoch || _promotion is not null) return;
        _confirming = d.Epoch;
        _journal.Tell(new BeginEpoch(d.Epoch, _log.MaxOffset));
    }

    private void StartFollowing(FollowTarget target)
    {
        // A new name each time: a stopped follower's name stays taken until it has terminated.
        _following ??= Context.ActorOf(_follower(_journal), $"{ReplicaFollowerActor.Name}-{++_followers}");
        _following.Tell(target);
    }

    private void StopFollowing()
    {
        if (_following is null) return;
        Context.Stop(_following);
        _following = null;
        _state.ReplicaLagBytes = null;
    }
}
