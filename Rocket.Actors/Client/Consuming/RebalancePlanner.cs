using Akka.Actor;
using Rocket.Client.Routing;
using Rocket.Protocol;

namespace Rocket.Client.Consuming;

/// <summary>
/// Computes which queues this member owns: fetches the subscribed topics' routes, heartbeats their brokers (so
/// the member list includes us), asks a broker for the group's members and allocates averagely. Broadcasting
/// owns every queue. Runs off the actor thread; the consumer actor applies the result.
/// </summary>
internal static class RebalancePlanner
{
    /// <param name="refreshRoutes">Fetch every route afresh (a queue is read from a slave, or its broker died).</param>
    public static async Task<RebalancePlanned> PlanAsync(RocketClient client, ConsumerConfig config, IActorRef consumer, bool refreshRoutes = false)
    {
        var topics = new Dictionary<string, TopicQueues>(StringComparer.Ordinal);
        foreach (var topic in config.Subscriptions.Keys)
        {
            var queues = TopicQueues.From(await client.GetRouteAnswerAsync(topic, refresh: refreshRoutes).ConfigureAwait(false));
            // A cached "no route" may be stale: the topic may have been created (or auto-created by a send) since.
            if (queues.Readable.Count == 0 && !refreshRoutes)
                queues = TopicQueues.From(await client.GetRouteAnswerAsync(topic, refresh: true).ConfigureAwait(false));
            topics[topic] = queues;
        }

        var brokers = new Dictionary<string, string>(StringComparer.Ordinal);
        var groups = new Dictionary<string, BrokerAddress[]>(StringComparer.Ordinal);
        foreach (var q in topics.Values)
        {
            foreach (var (name, path) in q.MasterPaths) brokers[name] = path;
            foreach (var (name, group) in q.Groups) groups[name] = group;
        }
        // Groups without a master are read from a slave, which then answers the member list: it needs our heartbeats.
        var heartbeat = Heartbeat(config, consumer);
        foreach (var path in HeartbeatPaths(brokers, groups)) client.System.ActorSelection(path).Tell(heartbeat, consumer);

        var assigned = new List<MessageQueue>();
        foreach (var (topic, queues) in topics)
        {
            if (queues.Readable.Count == 0) continue;
            if (config.Model == MessageModel.Broadcasting)
            {
                assigned.AddRange(queues.Readable);
                continue;
            }
            var members = await MembersAsync(client, config, queues).ConfigureAwait(false);
            assigned.AddRange(AllocateMessageQueueAveragely.Allocate(queues.Readable, members, config.ClientId));
        }
        return new RebalancePlanned(assigned, brokers, topics.Where(t => t.Value.Readable.Count == 0).Select(t => t.Key).ToArray(),
            topics.Values.SelectMany(q => q.Readable).ToArray(), groups);
    }

    /// <summary>Every master, and the broker read in each group that has none.</summary>
    public static IEnumerable<string> HeartbeatPaths(IReadOnlyDictionary<string, string> masters, IReadOnlyDictionary<string, BrokerAddress[]> groups) =>
        masters.Values.Concat(groups.Where(g => !masters.ContainsKey(g.Key)).Select(g => BrokerGroupRoles.ReadFrom(g.Value)?.Path)
            .OfType<string>()).Distinct(StringComparer.Ordinal);

    public static ConsumerHeartbeat Heartbeat(ConsumerConfig config, IActorRef consumer) =>
        new(config.ClientId, config.Group, config.Model, config.Subscriptions.Keys.ToArray(), consumer,
            config.Subscriptions.Select(s => new SubscriptionInfo(s.Key, s.Value.Expression, "TAG")).ToArray());

    /// <summary>The group's members, sorted, as any broker of the topic sees them; always including ourselves.</summary>
    private static async Task<string[]> MembersAsync(RocketClient client, ConsumerConfig config, TopicQueues queues)
    {
        Exception? last = null;
        foreach (var broker in queues.Readable.Select(q => q.BrokerName).Distinct())
        {
            try
            {
                // The master knows the group's members; without one, the slave its queues are read from.
                var path = queues.MasterPaths.GetValueOrDefault(broker) ?? queues.ReadFrom(broker)?.Path;
                if (path is null) continue;
                var ids = await Remoting.RepeatedAsk.AskAsync<ConsumerIds>(client.System.ActorSelection(path), new GetConsumerIds(config.Group),
                    config.Client.SendTimeout).ConfigureAwait(false);
                // Our heartbeat may not have arrived yet; we know we are alive, so we count ourselves.
                var members = ids.ClientIds.Append(config.ClientId).Distinct().ToArray();
                Array.Sort(members, StringComparer.Ordinal);
                return members;
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { last = e; }
        }
        throw new RocketClientException($"no broker of topic '{queues.Topic}' answered the member list of group '{config.Group}'", last);
    }
}
