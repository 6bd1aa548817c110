using Akka.DistributedData;
using Rocket.Protocol;

namespace Rocket.Failover;

/// <summary>
/// The replicated table of decisions: group key ("cluster/broker name") → <see cref="BrokerGroupEpoch"/>, in one
/// Akka.DistributedData <see cref="LWWDictionary{TKey,TValue}"/>. Only the coordinator writes it, with majority
/// consistency; every node (seeds and brokers) keeps a replica, so a new coordinator reads it back from a majority.
/// No durable store: DData's LMDB store does not work with the packages served here (akka-notes §4); the decisions
/// live as long as one node of a majority does, and a group whose decision was lost is re-decided from what its
/// brokers report (their epochs).
/// </summary>
public static class EpochTable
{
    public static readonly LWWDictionaryKey<string, BrokerGroupEpoch> Key = new("rocket-failover-epochs");

    public static LWWDictionary<string, BrokerGroupEpoch> Empty => LWWDictionary<string, BrokerGroupEpoch>.Empty;

    public static string GroupKey(string clusterName, string brokerName) => $"{clusterName}/{brokerName}";

    public static string GroupKey(BrokerGroupEpoch decision) => GroupKey(decision.ClusterName, decision.BrokerName);

    /// <summary>Leaves room for milliseconds below the epoch in a register's timestamp (2026 is about 1.8e12 ms).</summary>
    private const long EpochScale = 10_000_000_000_000;

    /// <summary>
    /// The last-writer-wins timestamp of a decision: its epoch first, so replicas merging two decisions keep the one
    /// of the higher epoch whatever the writers' clocks say; within one epoch the later write (wall clock) wins. That
    /// matters only for a write that failed to reach a majority and was left on a few replicas: the coordinator never
    /// reuses such an epoch, and a coordinator that took over (at least seconds later) overwrites it.
    /// </summary>
    public static long Timestamp(long currentTimestamp, BrokerGroupEpoch decision) =>
        decision.Epoch * EpochScale + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % EpochScale;
}
