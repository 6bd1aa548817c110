using Rocket.Client.Routing;

namespace Rocket.Client.Consuming;

/// <summary>
/// The "rebalance" of a pull consumer in assign mode: exactly the assigned queues, with the master paths of their
/// brokers and their groups (where each queue is read) from the current routes. A queue whose broker is not routed now is picked up at a later pass.
/// </summary>
internal static class AssignedQueues
{
    public static async Task<RebalancePlanned> PlanAsync(RocketClient client, IReadOnlyList<MessageQueue> assigned, bool refreshRoutes = false)
    {
        var brokers = new Dictionary<string, string>(StringComparer.Ordinal);
        var groups = new Dictionary<string, Protocol.BrokerAddress[]>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var topic in assigned.Select(q => q.Topic).Distinct())
        {
            var queues = TopicQueues.From(await client.GetRouteAnswerAsync(topic, refresh: refreshRoutes).ConfigureAwait(false));
            if (queues.Readable.Count == 0) missing.Add(topic);
            foreach (var (name, path) in queues.MasterPaths) brokers[name] = path;
            foreach (var (name, group) in queues.Groups) groups[name] = group;
        }
        return new RebalancePlanned(assigned, brokers, missing, assigned, groups);
    }
}
