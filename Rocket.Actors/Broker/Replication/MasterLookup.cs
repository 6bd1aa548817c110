using Rocket.Protocol;

namespace Rocket.Broker.Replication;

/// <summary>
/// Finds a slave's master in the gossip broker table: the fresh record of the same cluster and broker name with a
/// master role and the highest epoch (never an address configured by hand). A <see cref="FollowTarget"/> from
/// failover narrows it to one broker id from one epoch on.
/// </summary>
public static class MasterLookup
{
    public static BrokerRecord? Find(IEnumerable<BrokerRecord> table, BrokerSettings self, FollowTarget target, long nowMillis, TimeSpan expiry) =>
        table
            .Where(r => r.ClusterName == self.ClusterName && r.BrokerName == self.BrokerName && r.BrokerId != self.BrokerId
                && r.Role.IsMaster() && r.Epoch >= target.MinEpoch
                && (target.MasterBrokerId is null || r.BrokerId == target.MasterBrokerId)
                && nowMillis - r.PublishedAt <= expiry.TotalMilliseconds)
            .OrderByDescending(r => r.Epoch).ThenBy(r => r.BrokerId)
            .FirstOrDefault();
}
