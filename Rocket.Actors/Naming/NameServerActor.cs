using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Rocket.Protocol;

namespace Rocket.Naming;

/// <summary>
/// The name server, present on every cluster node at <c>/user/nameserver</c>. It answers route look-ups from its
/// local replica of the broker table, counting a broker only while its node is an Up, reachable member and its record
/// is fresher than <see cref="NamingSettings.BrokerExpiry"/>: the failure detector, not a timeout of ours, is what
/// drops a crashed broker within seconds. The cluster leader removes the entries of removed members.
/// </summary>
public sealed class NameServerActor : ReceiveActor, IWithTimers
{
    public const string Name = ClusterNames.NameServer;

    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }

    private readonly NamingSettings _settings;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Keyed by Address.ToString(), the form brokers put in BrokerRecord.MemberAddress: the newest incarnation there.
    // A process restarted on its own address is a new incarnation (UniqueAddress) at the same Address, and events
    // about the old one (its removal comes in the same batch as the new one's Joined/Up) must not touch the new one.
    private readonly Dictionary<string, Member> _members = new();
    private readonly HashSet<UniqueAddress> _unreachable = new();
    private readonly HashSet<UniqueAddress> _removed = new();
    private Address? _leader;
    private LWWDictionary<string, BrokerRecord> _table = BrokerRegistry.Empty;
    private readonly StaleMasterLog _staleMasters;

    public ITimerScheduler Timers { get; set; } = null!;

    public NameServerActor(NamingSettings settings)
    {
        _settings = settings;
        _staleMasters = new StaleMasterLog(_log);
        Receive<Changed>(c => c.Key.Equals(BrokerRegistry.Key), c =>
        {
            _table = c.Get(BrokerRegistry.Key);
            _staleMasters.Check(LiveBrokers());
        });
        Receive<ClusterEvent.CurrentClusterState>(OnClusterState);
        Receive<ClusterEvent.MemberRemoved>(OnMemberRemoved);
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            if (!_removed.Contains(e.Member.UniqueAddress)) _members[e.Member.Address.ToString()] = e.Member;
        });
        Receive<ClusterEvent.UnreachableMember>(e => _unreachable.Add(e.Member.UniqueAddress));
        Receive<ClusterEvent.ReachableMember>(e => _unreachable.Remove(e.Member.UniqueAddress));
        Receive<ClusterEvent.LeaderChanged>(e => _leader = e.Leader);
        Receive<GetTopicRoute>(q => Sender.Tell(TopicRoutes.Answer(q.Topic, LiveBrokers(), UnreachableBrokers())));
        Receive<GetClusterView>(_ => Sender.Tell(View()));
        Receive<Sweep>(_ => SweepStaleEntries());
        Receive<UpdateSuccess>(_ => { });
        Receive<IUpdateFailure>(f => _log.Warning("Removing stale broker entries failed: {0}", f));
    }

    public static Props Props(NamingSettings settings) => Akka.Actor.Props.Create(() => new NameServerActor(settings));

    protected override void PreStart()
    {
        _replicator.Tell(Dsl.Subscribe(BrokerRegistry.Key, Self));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, _settings.BrokerExpiry);
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        _replicator.Tell(Dsl.Unsubscribe(BrokerRegistry.Key, Self));
    }

    private void OnClusterState(ClusterEvent.CurrentClusterState state)
    {
        _members.Clear();
        foreach (var m in state.Members) _members[m.Address.ToString()] = m;
        _unreachable.Clear();
        foreach (var m in state.Unreachable) _unreachable.Add(m.UniqueAddress);
        _leader = state.Leader;
    }

    private void OnMemberRemoved(ClusterEvent.MemberRemoved removed)
    {
        var address = removed.Member.Address.ToString();
        _removed.Add(removed.Member.UniqueAddress);
        _unreachable.Remove(removed.Member.UniqueAddress);
        if (_members.TryGetValue(address, out var current) && !current.UniqueAddress.Equals(removed.Member.UniqueAddress))
        {
            // A new incarnation already lives at this address: its record stays. Akka.NET's replicator keeps its
            // peers by Address, so this same removal just dropped the new incarnation from them, and the broker
            // table stopped flowing to and from it (a restarted broker stayed out of the routes for 30 s and more).
            // Telling the replicator the new member's status again puts it back.
            if (MembershipEventOf(current) is { } again) _replicator.Tell(again);
            return;
        }
        _members.Remove(address);
        // One remover is enough; the periodic sweep catches entries missed while leadership moved.
        if (IsLeader)
            RemoveEntries(r => r.MemberAddress == address);
    }

    private static ClusterEvent.IMemberEvent? MembershipEventOf(Member member) => member.Status switch
    {
        MemberStatus.Joining => new ClusterEvent.MemberJoined(member),
        MemberStatus.WeaklyUp => new ClusterEvent.MemberWeaklyUp(member),
        MemberStatus.Up => new ClusterEvent.MemberUp(member),
        _ => null,
    };

    private bool IsLeader => _leader is not null && _leader.Equals(_cluster.SelfAddress);

    private void SweepStaleEntries()
    {
        if (!IsLeader) return;
        var members = _members.Keys.ToHashSet();
        var oldest = BrokerRegistry.NowMillis() - (long)_settings.BrokerExpiry.TotalMilliseconds;
        RemoveEntries(r => !members.Contains(r.MemberAddress) && r.PublishedAt < oldest);
    }

    /// <summary>The predicate runs inside the replicator against its current replica, so it must only read its captures.</summary>
    private void RemoveEntries(Func<BrokerRecord, bool> stale)
    {
        if (!_table.Any(e => stale(e.Value))) return;
        var self = _cluster.SelfUniqueAddress;
        _replicator.Tell(Dsl.Update(BrokerRegistry.Key, BrokerRegistry.Empty, WriteLocal.Instance, table =>
        {
            foreach (var entry in table.Where(e => stale(e.Value)).ToList())
                table = table.Remove(self, entry.Key);
            return table;
        }));
    }

    private List<BrokerRecord> LiveBrokers()
    {
        var oldest = BrokerRegistry.NowMillis() - (long)_settings.BrokerExpiry.TotalMilliseconds;
        return _table.Select(e => e.Value)
            .Where(r => r.PublishedAt > oldest && IsUpAndReachable(r.MemberAddress))
            .OrderBy(r => r.Key, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Records not expired whose broker is not an Up, reachable member (e.g. a paused or just-downed process).</summary>
    private List<BrokerRecord> UnreachableBrokers()
    {
        var oldest = BrokerRegistry.NowMillis() - (long)_settings.BrokerExpiry.TotalMilliseconds;
        return _table.Select(e => e.Value).Where(r => r.PublishedAt > oldest && !IsUpAndReachable(r.MemberAddress)).ToList();
    }

    private bool IsUpAndReachable(string address) =>
        _members.TryGetValue(address, out var m) && m.Status == MemberStatus.Up && !_unreachable.Contains(m.UniqueAddress);

    private ClusterView View()
    {
        var members = _members.Values.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new MemberView(m.Address.ToString(), m.Status.ToString(), [.. m.Roles.Order(StringComparer.Ordinal)],
                !_unreachable.Contains(m.UniqueAddress)))
            .ToArray();
        return new ClusterView(members, [.. LiveBrokers()]);
    }
}
