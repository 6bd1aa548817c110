using Rocket.Protocol;

namespace Rocket.Client.Routing;

/// <summary>Questions about a route that waiting for a topic asks.</summary>
internal static class TopicRouting
{
    /// <summary>Some master broker has readable and writable queues of the topic.</summary>
    public static bool Usable(TopicRoute route) =>
        route.Queues.Any(q => q.ReadQueues > 0 && q.WriteQueues > 0
                              && (q.Perm & TopicPerm.Read) != 0 && (q.Perm & TopicPerm.Write) != 0
                              && IsMaster(route, q.BrokerName));

    /// <summary>Master <paramref name="broker"/> routes the topic with <paramref name="config"/>'s queue counts and permission.</summary>
    public static bool RoutesAs(TopicRoute route, string broker, TopicConfig config) =>
        IsMaster(route, broker) && route.Queues.Any(q => q.BrokerName == broker && q.ReadQueues == config.ReadQueues
                                                         && q.WriteQueues == config.WriteQueues && q.Perm == config.Perm);

    private static bool IsMaster(TopicRoute route, string broker) => BrokerGroupRoles.MasterOf(route.Brokers.Where(b => b.BrokerName == broker)) is not null;
}
