using Akka.Cluster;

namespace Rocket.Failover;

/// <summary>
/// Which cluster nodes are Up and reachable, from cluster events, keyed by the address string brokers put in
/// <see cref="Protocol.BrokerRecord.MemberAddress"/>. A process restarted on its own address is a new incarnation at the
/// same address: events about the old one (its removal arrives after the new one joined) must not touch the new one.
/// The same rule as the name server's, kept here so the coordinator decides from the same facts routes are built from.
/// </summary>
public sealed class MemberLiveness
{
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly HashSet<UniqueAddress> _unreachable = new();
    private readonly HashSet<UniqueAddress> _removed = new();

    public void Apply(ClusterEvent.CurrentClusterState state)
    {
        _members.Clear();
        _unreachable.Clear();
        foreach (var m in state.Members) _members[m.Address.ToString()] = m;
        foreach (var m in state.Unreachable) _unreachable.Add(m.UniqueAddress);
    }

    public void Apply(ClusterEvent.IClusterDomainEvent e)
    {
        switch (e)
        {
            case ClusterEvent.MemberRemoved removed:
                _removed.Add(removed.Member.UniqueAddress);
                _unreachable.Remove(removed.Member.UniqueAddress);
                var address = removed.Member.Address.ToString();
                if (_members.TryGetValue(address, out var current) && current.UniqueAddress.Equals(removed.Member.UniqueAddress))
                    _members.Remove(address);
                break;
            case ClusterEvent.IMemberEvent member when !_removed.Contains(member.Member.UniqueAddress):
                _members[member.Member.Address.ToString()] = member.Member;
                break;
            case ClusterEvent.UnreachableMember unreachable:
                _unreachable.Add(unreachable.Member.UniqueAddress);
                break;
            case ClusterEvent.ReachableMember reachable:
                _unreachable.Remove(reachable.Member.UniqueAddress);
                break;
        }
    }

    public bool IsUpAndReachable(string address) =>
        _members.TryGetValue(address, out var m) && m.Status == MemberStatus.Up && !_unreachable.Contains(m.UniqueAddress);
}
