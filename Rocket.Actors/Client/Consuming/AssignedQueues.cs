using Rocket.Client.Routing;

namespace Rocket.Client.Consuming;

/// <summary>
/// The "rebalance" of a pull consumer in assign mode: exactly the assigned queues, with the master paths of their
/// brokers from the current routes. A queue whose broker is not routed now is picked up at a later pass.
/// </summary>
internal static class AssignedQueues
{
    public static async Task<RebalancePlanned> PlanAsync(RocketClient client, IReadOnlyList<MessageQueue> assigned)
    {
        var brokers = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var topic in assigned.Select(q => q.Topic).Distinct())
        {
            var queues = TopicQueues.From(await client.GetRouteAnswerAsync(topic, refresh: false).ConfigureAwait(false));
            if (queues.Readable.Count == 0) missing.Add(topic);
            foreach (var (name, path) in queues.MasterPaths) brokers[name] = path;
        }
        return new RebalancePlanned(assigned, brokers, missing, assigned);
    }
}
