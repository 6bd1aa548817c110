using Akka.Actor;
using Akka.Event;
using Akka.Remote;
using Rocket.Broker.Pull;
using Rocket.Protocol;
using Rocket.Remoting;

namespace Rocket.Broker.Groups;

/// <summary>
/// Consumer-group membership on this broker (RocketMQ's ConsumerManager): members join by heartbeat and leave by
/// unregistering, by heartbeat expiry (consumer-expiry), or when the connection to their process closes (a killed
/// process's socket is reset at once; see <see cref="ClientDeathWatch"/> for why remote consumers are not death-watched).
/// Every change tells the group's members to rebalance; a member that leaves has its held pulls dropped, so nothing is
/// answered to a client that is gone.
/// </summary>
public sealed class ConsumerGroupsActor : ReceiveActor, IWithTimers
{
    private sealed class Expire { public static readonly Expire Instance = new(); }

    private sealed class Member(string clientId, IActorRef consumer, MessageModel model, string[] topics, DateTime lastSeen)
    {
        public string ClientId { get; } = clientId;
        public IActorRef Consumer { get; set; } = consumer;
        public MessageModel Model { get; set; } = model;
        public string[] Topics { get; set; } = topics;
        public DateTime LastSeen { get; set; } = lastSeen;
        public SubscriptionInfo[] Subscriptions { get; set; } = [];
    }

    private readonly BrokerSettings _settings;
    private readonly IActorRef _pulls;
    private readonly Dictionary<string, Dictionary<string, Member>> _groups = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ConsumerGroupsActor(BrokerSettings settings, IActorRef pulls)
    {
        _settings = settings;
        _pulls = pulls;
        Receive<ConsumerHeartbeat>(OnHeartbeat);
        Receive<UnregisterConsumer>(u => Remove(u.Group, u.ClientId));
        Receive<GetConsumerIds>(g => Sender.Tell(new ConsumerIds(g.Group, IdsOf(g.Group))));
        Receive<GetLiveGroupConsumers>(g => Sender.Tell(new LiveGroupConsumers(g.Group, _groups.TryGetValue(g.Group, out var members)
            ? members.Values.Select(m => new LiveGroupConsumer(m.ClientId, m.Consumer, m.Model)).ToArray() : [])));
        Receive<Admin.GetGroupMembers>(g => Sender.Tell(Admin.GroupMembers.Of(g.Group,
            _groups.TryGetValue(g.Group, out var members)
                ? members.Values.Select(m => (m.ClientId, m.Consumer, m.Model, m.Topics, m.Subscriptions, m.LastSeen))
                : [])));
        Receive<Terminated>(t => RemoveWhere(m => m.Consumer.Equals(t.ActorRef), "its consumer actor stopped"));
        Receive<DisassociatedEvent>(closed => RemoveWhere(m => ClientDeathWatch.IsIn(m.Consumer, closed), $"the connection to {closed.RemoteAddress} closed"));
        Receive<Expire>(_ => ExpireSilent());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BrokerSettings settings, IActorRef pulls) =>
        Akka.Actor.Props.Create(() => new ConsumerGroupsActor(settings, pulls));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("expire", Expire.Instance, TimeSpan.FromTicks(Math.Max(_settings.ConsumerExpiry.Ticks / 4, TimeSpan.TicksPerSecond)));
        ClientDeathWatch.Start(Context);
    }

    private void OnHeartbeat(ConsumerHeartbeat hb)
    {
        if (!_groups.TryGetValue(hb.Group, out var members)) _groups[hb.Group] = members = new();
        var now = DateTime.UtcNow;
        if (members.TryGetValue(hb.ClientId, out var member))
        {
            bool changed = !member.Consumer.Equals(hb.Consumer) || !member.Topics.SequenceEqual(hb.Topics);
            member.LastSeen = now;
            member.Model = hb.Model;
            member.Topics = hb.Topics;
            member.Subscriptions = hb.Subscriptions ?? [];
            if (!member.Consumer.Equals(hb.Consumer))
            {
                ClientDeathWatch.Unwatch(Context, member.Consumer);
                member.Consumer = hb.Consumer;
                ClientDeathWatch.Watch(Context, hb.Consumer);
            }
            if (changed) NotifyRebalance(hb.Group);
            return;
        }
        members[hb.ClientId] = new Member(hb.ClientId, hb.Consumer, hb.Model, hb.Topics, now) { Subscriptions = hb.Subscriptions ?? [] };
        ClientDeathWatch.Watch(Context, hb.Consumer);
        NotifyRebalance(hb.Group);
    }

    private void RemoveWhere(Func<Member, bool> gone, string why)
    {
        foreach (var (group, members) in _groups.ToArray())
            foreach (var member in members.Values.Where(gone).ToArray())
            {
                _log.Info("Broker {0}: consumer {1} left group {2}: {3}", _settings.BrokerName, member.ClientId, group, why);
                Remove(group, member.ClientId);
            }
    }

    private void ExpireSilent()
    {
        var cutoff = DateTime.UtcNow - _settings.ConsumerExpiry;
        RemoveWhere(m => m.LastSeen < cutoff, $"no heartbeat for {_settings.ConsumerExpiry.TotalSeconds:0.#} s (consumer-expiry)");
    }

    private void Remove(string group, string clientId)
    {
        if (!_groups.TryGetValue(group, out var members) || !members.Remove(clientId, out var member)) return;
        if (!members.Values.Any(m => m.Consumer.Equals(member.Consumer))) ClientDeathWatch.Unwatch(Context, member.Consumer);
        _pulls.Tell(new ReleaseHolds(member.Consumer.Path));
        if (members.Count == 0) _groups.Remove(group);
        else NotifyRebalance(group);
    }

    private string[] IdsOf(string group) =>
        _groups.TryGetValue(group, out var members) ? members.Keys.Order(StringComparer.Ordinal).ToArray() : [];

    private void NotifyRebalance(string group)
    {
        if (!_groups.TryGetValue(group, out var members)) return;
        var notice = new RebalanceNeeded(group);
        foreach (var member in members.Values) member.Consumer.Tell(notice);
    }
}
