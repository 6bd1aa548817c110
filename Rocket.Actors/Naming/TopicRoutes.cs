using Rocket.Protocol;

namespace Rocket.Naming;

/// <summary>Builds route answers from the live broker records (pure, so the rules are easy to read and test).</summary>
internal static class TopicRoutes
{
    private const long MasterId = 0;

    /// <param name="unreachable">Records not expired whose broker is not an Up, reachable member: named when no live broker has the topic.</param>
    public static TopicRouteAnswer Answer(string topic, IReadOnlyCollection<BrokerRecord> live, IReadOnlyCollection<BrokerRecord>? unreachable = null)
    {
        var queues = new List<QueueData>();
        var brokers = new List<BrokerAddress>();
        foreach (var group in live.GroupBy(r => r.BrokerName).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var queue = QueuesOf(topic, group);
            if (queue is null) continue;
            queues.Add(queue);
            brokers.AddRange(group.OrderBy(r => r.BrokerId).Select(AddressOf));
        }
        if (queues.Count > 0)
            return new TopicRouteAnswer(topic, new TopicRoute(topic, [.. queues], [.. brokers]), [], 0);

        var autoCreate = live.Where(r => r.BrokerId == MasterId && r.AutoCreateTopicEnable)
            .OrderBy(r => r.BrokerName, StringComparer.Ordinal).ToArray();
        // The smallest default is a queue count every auto-create broker will have.
        var queueNums = autoCreate.Length == 0 ? 0 : autoCreate.Min(r => r.DefaultTopicQueueNums);
        var holders = (unreachable ?? []).Where(r => r.Topics.Any(t => t.Name == topic)).Select(r => r.BrokerName)
            .Distinct().Order(StringComparer.Ordinal).ToArray();
        return new TopicRouteAnswer(topic, null, [.. autoCreate.Select(AddressOf)], queueNums, holders);
    }

    /// <summary>
    /// The topic's queues on one broker name, from its master's config. Without a live master the lowest slave's
    /// config keeps the queues readable (RocketMQ consumers fall back to slaves), but not writable.
    /// </summary>
    private static QueueData? QueuesOf(string topic, IEnumerable<BrokerRecord> group)
    {
        var source = group.OrderBy(r => r.BrokerId).First();
        var config = source.Topics.FirstOrDefault(t => t.Name == topic);
        if (config is null) return null;
        var perm = source.BrokerId == MasterId ? config.Perm : config.Perm & TopicPerm.Read;
        return perm == TopicPerm.None ? null : new QueueData(source.BrokerName, config.ReadQueues, config.WriteQueues, perm);
    }

    public static BrokerAddress AddressOf(BrokerRecord r) => new(r.ClusterName, r.BrokerName, r.BrokerId, r.BrokerPath);
}
