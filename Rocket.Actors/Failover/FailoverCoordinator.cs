using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Rocket.Naming;
using Rocket.Protocol;

namespace Rocket.Failover;

/// <summary>
/// The cluster-wide failover coordinator: one instance in the cluster, a cluster singleton on the seed nodes
/// (<see cref="FailoverActors"/>). It reads the stored decisions from a majority before it decides anything, then
/// watches the broker table (gossip) and cluster membership, and hands each broker group's current view to the group's
/// own <see cref="GroupFailoverActor"/>, which decides and talks to the group's brokers. It answers
/// <see cref="GetFailoverState"/> with every group's decision and status.
/// </summary>
public sealed class FailoverCoordinator : ReceiveActor, IWithTimers
{
    private sealed class Load { public static readonly Load Instance = new(); }
    private sealed class Tick { public static readonly Tick Instance = new(); }

    /// <summary>How often views are rebuilt without a change, so that an expiring broker record is noticed.</summary>
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    private readonly FailoverSettings _settings;
    private readonly NamingSettings _naming;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly MemberLiveness _liveness = new();
    private LWWDictionary<string, BrokerRecord> _table = BrokerRegistry.Empty;
    private IReadOnlyDictionary<string, BrokerGroupEpoch>? _stored; // null until read from a majority
    private readonly Dictionary<string, IActorRef> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string ClusterName, string BrokerName)> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GroupFailoverState> _states = new(StringComparer.Ordinal);
    private bool _tableRead;
    private bool _membershipKnown;
    private int _loadFailures;

    public ITimerScheduler Timers { get; set; } = null!;

    public FailoverCoordinator(FailoverSettings settings, NamingSettings naming)
    {
        _settings = settings;
        _naming = naming;
        Receive<Load>(_ =>
        {
            _replicator.Tell(Dsl.Get(EpochTable.Key, new ReadMajority(_settings.MajorityTimeout)));
            // The broker table too: a coordinator on a node that just joined must not take a master it has not
            // heard of yet for a missing one.
            _replicator.Tell(Dsl.Get(BrokerRegistry.Key, new ReadMajority(_settings.MajorityTimeout)));
        });
        Receive<GetSuccess>(s => s.Key.Equals(EpochTable.Key), s => Loaded(s.Get(EpochTable.Key)));
        Receive<NotFound>(n => n.Key.Equals(EpochTable.Key), _ => Loaded(EpochTable.Empty));
        Receive<GetFailure>(f => f.Key.Equals(EpochTable.Key), _ => LoadFailed());
        Receive<GetSuccess>(s => s.Key.Equals(BrokerRegistry.Key), s => TableRead(s.Get(BrokerRegistry.Key)));
        Receive<NotFound>(n => n.Key.Equals(BrokerRegistry.Key), _ => TableRead(BrokerRegistry.Empty));
        Receive<GetFailure>(f => f.Key.Equals(BrokerRegistry.Key), _ => LoadFailed());
        Receive<Changed>(c => c.Key.Equals(BrokerRegistry.Key), c =>
        {
            _table = c.Get(BrokerRegistry.Key);
            _tableRead = true;
            PushViews();
        });
        Receive<ClusterEvent.CurrentClusterState>(s =>
        {
            _liveness.Apply(s);
            _membershipKnown = true;
            PushViews();
        });
        Receive<ClusterEvent.IClusterDomainEvent>(e =>
        {
            _liveness.Apply(e);
            PushViews();
        });
        Receive<Tick>(_ => PushViews());
        Receive<GroupFailoverState>(s => _states[EpochTable.GroupKey(s.ClusterName, s.BrokerName)] = s);
        Receive<GetFailoverState>(_ => Sender.Tell(State()));
    }

    public static Props Props(FailoverSettings settings, NamingSettings naming) =>
        Akka.Actor.Props.Create(() => new FailoverCoordinator(settings, naming));

    protected override void PreStart()
    {
        _log.Info("failover coordinator started on {0} (failover {1}, failover-after {2}); reading the stored decisions from a majority",
            _cluster.SelfAddress, _settings.Enable ? "on" : "off", _settings.FailoverAfter);
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        _replicator.Tell(Dsl.Subscribe(BrokerRegistry.Key, Self));
        Self.Tell(Load.Instance);
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        _replicator.Tell(Dsl.Unsubscribe(BrokerRegistry.Key, Self));
    }

    private void Loaded(LWWDictionary<string, BrokerGroupEpoch> table)
    {
        if (_stored is not null) return;
        _stored = table.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        _log.Info("failover coordinator: {0} stored decisions read from a majority{1}", _stored.Count,
            _stored.Count == 0 ? "" : ": " + string.Join(", ", _stored.Values.OrderBy(d => EpochTable.GroupKey(d), StringComparer.Ordinal)
                .Select(d => $"{EpochTable.GroupKey(d)} epoch {d.Epoch} master {d.MasterBrokerId}")));
        Timers.StartPeriodicTimer("tick", Tick.Instance, TickInterval);
        PushViews();
    }

    private void TableRead(LWWDictionary<string, BrokerRecord> table)
    {
        if (_tableRead) return; // a Changed notification was already newer
        _table = table;
        _tableRead = true;
        PushViews();
    }

    private void LoadFailed()
    {
        // A node that cannot reach a majority must not decide from what it alone holds.
        if (_loadFailures++ == 0)
            _log.Warning("failover coordinator: the stored decisions could not be read from a majority within {0}; nothing is decided until they can (retrying)",
                _settings.MajorityTimeout);
        Timers.StartSingleTimer("load", Load.Instance, TimeSpan.FromSeconds(1));
    }

    private void PushViews()
    {
        // Decide only from the whole picture: stored decisions, the broker table and membership.
        if (_stored is null || !_tableRead || !_membershipKnown) return;
        // A coordinator whose node is leaving hands over to the next seed; what it sees while leaving is not news.
        if (!_liveness.IsUpAndReachable(_cluster.SelfAddress.ToString())) return;
        long oldest = BrokerRegistry.NowMillis() - (long)_naming.BrokerExpiry.TotalMilliseconds;
        var views = GroupView.Build(_table.Select(e => e.Value),
            r => r.PublishedAt > oldest && _liveness.IsUpAndReachable(r.MemberAddress)).ToDictionary(v => v.Key, StringComparer.Ordinal);
        // A group whose brokers all left the table still has a decision, and a master that is missing.
        foreach (var (key, decision) in _stored)
            if (!views.ContainsKey(key)) views[key] = new GroupView(decision.ClusterName, decision.BrokerName, []);
        foreach (var (key, names) in _names)
            if (!views.ContainsKey(key)) views[key] = new GroupView(names.ClusterName, names.BrokerName, []);
        foreach (var (key, view) in views)
        {
            if (!_groups.TryGetValue(key, out var group))
            {
                group = Context.ActorOf(GroupFailoverActor.Props(view.ClusterName, view.BrokerName, _stored.GetValueOrDefault(key), _settings),
                    $"group-{_groups.Count + 1}");
                _groups[key] = group;
                _names[key] = (view.ClusterName, view.BrokerName);
            }
            group.Tell(view);
        }
    }

    private FailoverState State() => new(_settings.Enable, _stored is not null,
        [.. _states.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value)]);
}
