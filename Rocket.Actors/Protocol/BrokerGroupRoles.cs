namespace Rocket.Protocol;

/// <summary>
/// Who is who in one broker group (one broker name), the rule the name server and the clients share so that they
/// always agree: the master is the broker with a master role in the highest epoch (two brokers claiming to be master
/// happen for a moment after a failover, while the old master has not yet heard it was replaced; the higher epoch
/// wins, ties go to the lower broker id). Without a master, reads go to the most advanced slave: highest epoch, then
/// the lowest broker id (RocketMQ's clients fall back to a slave of the same broker name).
/// </summary>
public static class BrokerGroupRoles
{
    /// <summary>RocketMQ's MASTER_ID: in a pull response's suggestion it means "the group's master", whatever its id.</summary>
    public const long MasterId = 0;

    /// <summary>The group's master among <paramref name="group"/> (one broker name); null when none claims the role.</summary>
    public static BrokerAddress? MasterOf(IEnumerable<BrokerAddress> group) =>
        Best(group.Where(b => b.Role.IsMaster()), b => b.Epoch, b => b.BrokerId);

    /// <summary>The broker to read from: the master, else the most advanced slave; null for an empty group.</summary>
    public static BrokerAddress? ReadFrom(IEnumerable<BrokerAddress> group)
    {
        var all = group as IReadOnlyCollection<BrokerAddress> ?? group.ToArray();
        return MasterOf(all) ?? Best(all, b => b.Epoch, b => b.BrokerId);
    }

    /// <summary>As <see cref="MasterOf(IEnumerable{BrokerAddress})"/> over live broker records.</summary>
    public static BrokerRecord? MasterOf(IEnumerable<BrokerRecord> group) =>
        Best(group.Where(r => r.Role.IsMaster()), r => r.Epoch, r => r.BrokerId);

    /// <summary>
    /// The master of every broker group (cluster and broker name) among <paramref name="brokers"/> (live broker records,
    /// e.g. a cluster view), by <see cref="MasterOf(IEnumerable{BrokerRecord})"/>; a group without one is left out.
    /// What admin requests go to: after a failover a group's master may be any broker id.
    /// </summary>
    public static BrokerRecord[] Masters(IEnumerable<BrokerRecord> brokers) =>
        brokers.GroupBy(r => (r.ClusterName, r.BrokerName)).Select(g => MasterOf(g)).OfType<BrokerRecord>().ToArray();

    /// <summary>As <see cref="Masters(IEnumerable{BrokerRecord})"/> over a route's brokers.</summary>
    public static BrokerAddress[] Masters(IEnumerable<BrokerAddress> brokers) =>
        brokers.GroupBy(b => (b.ClusterName, b.BrokerName)).Select(g => MasterOf(g)).OfType<BrokerAddress>().ToArray();

    /// <summary>The most advanced slave record: highest epoch, then the longest log, then the lowest id.</summary>
    public static BrokerRecord? MostAdvanced(IEnumerable<BrokerRecord> group) =>
        group.OrderByDescending(r => r.Epoch).ThenByDescending(r => r.MaxOffset).ThenBy(r => r.BrokerId).FirstOrDefault();

    private static T? Best<T>(IEnumerable<T> candidates, Func<T, long> epoch, Func<T, long> id) where T : class =>
        candidates.OrderByDescending(epoch).ThenBy(id).FirstOrDefault();
}
