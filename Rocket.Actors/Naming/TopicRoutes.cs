using Rocket.Protocol;

namespace Rocket.Naming;

/// <summary>Builds route answers from the live broker records (pure, so the rules are easy to read and test).</summary>
internal static class TopicRoutes
{
    /// <param name="unreachable">Records not expired whose broker is not an Up, reachable member: named when no live broker has the topic.</param>
    public static TopicRouteAnswer Answer(string topic, IReadOnlyCollection<BrokerRecord> live, IReadOnlyCollection<BrokerRecord>? unreachable = null)
    {
        var queues = new List<QueueData>();
        var brokers = new List<BrokerAddress>();
        var unhealthy = new HashSet<string>(StringComparer.Ordinal); // broker names whose master's store refuses writes
        foreach (var group in live.GroupBy(r => r.BrokerName).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var master = BrokerGroupRoles.MasterOf(group);
            var queue = QueuesOf(topic, master ?? BrokerGroupRoles.MostAdvanced(group)!, isMaster: master is not null);
            if (queue is null) continue;
            queues.Add(queue);
            // Every live broker of the group, each as it claims to be: clients apply the same rule to find the master.
            brokers.AddRange(group.OrderBy(r => r.BrokerId).Select(AddressOf));
            if (master is { IsHealthy: false }) unhealthy.Add(group.Key);
        }
        if (queues.Count > 0)
            return new TopicRouteAnswer(topic, new TopicRoute(topic, [.. AvoidUnhealthy(queues, unhealthy)], [.. brokers]), [], 0);

        var autoCreate = live.GroupBy(r => r.BrokerName).Select(g => BrokerGroupRoles.MasterOf(g))
            .Where(m => m is { AutoCreateTopicEnable: true }).Select(m => m!)
            .OrderBy(r => r.BrokerName, StringComparer.Ordinal).ToArray();
        // The smallest default is a queue count every auto-create broker will have.
        var queueNums = autoCreate.Length == 0 ? 0 : autoCreate.Min(r => r.DefaultTopicQueueNums);
        var holders = (unreachable ?? []).Where(r => r.Topics.Any(t => t.Name == topic)).Select(r => r.BrokerName)
            .Distinct().Order(StringComparer.Ordinal).ToArray();
        return new TopicRouteAnswer(topic, null, [.. autoCreate.Select(AddressOf)], queueNums, holders);
    }

    /// <summary>
    /// Live records that claim a master role but lost to a master of a higher epoch in their group (an old master
    /// not yet told it was replaced): they stay in routes as they claim to be, but clients never write to them.
    /// </summary>
    public static IEnumerable<(BrokerRecord Stale, BrokerRecord Master)> StaleMasters(IEnumerable<BrokerRecord> live)
    {
        foreach (var group in live.GroupBy(r => r.BrokerName))
        {
            if (BrokerGroupRoles.MasterOf(group) is not { } master) continue;
            foreach (var r in group)
                if (r.Role.IsMaster() && r.Key != master.Key) yield return (r, master);
        }
    }

    /// <summary>
    /// The topic's queues on one broker name, from its master's config. Without a live master the most advanced
    /// slave's config keeps the queues readable (RocketMQ consumers fall back to slaves), but not writable.
    /// </summary>
    private static QueueData? QueuesOf(string topic, BrokerRecord source, bool isMaster)
    {
        var config = source.Topics.FirstOrDefault(t => t.Name == topic);
        if (config is null) return null;
        var perm = isMaster ? config.Perm : config.Perm & TopicPerm.Read;
        return perm == TopicPerm.None ? null : new QueueData(source.BrokerName, config.ReadQueues, config.WriteQueues, perm);
    }

    /// <summary>
    /// Producers send only where they see the write permission, so a broker whose store refuses writes (disk full, a
    /// failing flush) loses it while another broker of the topic can take writes: sends go there instead of failing
    /// (RocketMQ's producers avoid such a broker by latency fault tolerance). Its queues stay readable, so consumers
    /// drain them. When no healthy broker is left the route is unchanged and sends get the broker's own clear error.
    /// </summary>
    private static IEnumerable<QueueData> AvoidUnhealthy(List<QueueData> queues, HashSet<string> unhealthy)
    {
        if (unhealthy.Count == 0) return queues;
        bool healthyWriter = queues.Any(q => !unhealthy.Contains(q.BrokerName) && q.Perm.HasFlag(TopicPerm.Write) && q.WriteQueues > 0);
        if (!healthyWriter) return queues;
        return queues.Select(q => unhealthy.Contains(q.BrokerName) ? q with { Perm = q.Perm & TopicPerm.Read } : q)
            .Where(q => q.Perm != TopicPerm.None);
    }

    public static BrokerAddress AddressOf(BrokerRecord r) => new(r.ClusterName, r.BrokerName, r.BrokerId, r.BrokerPath, r.Role, r.Epoch);
}
