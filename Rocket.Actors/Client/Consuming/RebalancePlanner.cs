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
    public static async Task<RebalancePlanned> PlanAsync(RocketClient client, ConsumerConfig config, IActorRef consumer)
    {
        var topics = new Dictionary<string, TopicQueues>(StringComparer.Ordinal);
        foreach (var topic in config.Subscriptions.Keys)
        {
            var queues = TopicQueues.From(await client.GetRouteAnswerAsync(topic, refresh: false).ConfigureAwait(false));
            // A cached "no route" may be stale: the topic may have been created (or auto-created by a send) since.
            if (queues.Readable.Count == 0)
                queues = TopicQueues.From(await client.GetRouteAnswerAsync(topic, refresh: true).ConfigureAwait(false));
            topics[topic] = queues;
        }

        var brokers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var q in topics.Values)
            foreach (var (name, path) in q.MasterPaths) brokers[name] = path;
        var heartbeat = Heartbeat(config, consumer);
        foreach (var path in brokers.Values) client.System.ActorSelection(path).Tell(heartbeat, consumer);

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
            topics.Values.SelectMany(q => q.Readable).ToArray());
    }

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
                var ids = await client.System.ActorSelection(queues.MasterPaths[broker])
                    .Ask<ConsumerIds>(new GetConsumerIds(config.Group), config.Client.SendTimeout).ConfigureAwait(false);
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
