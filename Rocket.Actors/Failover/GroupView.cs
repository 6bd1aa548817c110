using Rocket.Protocol;

namespace Rocket.Failover;

/// <summary>One broker of a group as the coordinator last saw it: its published record and whether it is live now.</summary>
/// <param name="Live">Its node is an Up, reachable member and its record is fresher than the broker expiry.</param>
public sealed record GroupBroker(BrokerRecord Record, bool Live)
{
    public long BrokerId => Record.BrokerId;
}

/// <summary>
/// Every broker of one broker group (one cluster and broker name) in the broker table, live or not, ordered by id.
/// A group whose brokers all left the table is a view with no brokers (its master is then missing too).
/// </summary>
public sealed record GroupView(string ClusterName, string BrokerName, GroupBroker[] Brokers)
{
    public string Key => EpochTable.GroupKey(ClusterName, BrokerName);

    public IEnumerable<GroupBroker> LiveBrokers => Brokers.Where(b => b.Live);

    public GroupBroker? Live(long brokerId) => Brokers.FirstOrDefault(b => b.Live && b.BrokerId == brokerId);

    /// <summary>Groups out of the broker table's records; <paramref name="isLive"/> says whether one record's broker is live.</summary>
    public static IEnumerable<GroupView> Build(IEnumerable<BrokerRecord> records, Func<BrokerRecord, bool> isLive) =>
        records.GroupBy(r => (r.ClusterName, r.BrokerName))
            .Select(g => new GroupView(g.Key.ClusterName, g.Key.BrokerName,
                [.. g.OrderBy(r => r.BrokerId).Select(r => new GroupBroker(r, isLive(r)))]));
}
