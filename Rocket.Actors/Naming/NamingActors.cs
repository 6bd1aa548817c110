using Akka.Actor;
using Akka.DistributedData;

namespace Rocket.Naming;

/// <summary>Starts the gossip name server on a cluster node (seed or broker).</summary>
public static class NamingActors
{
    /// <summary>
    /// Akka.DistributedData's own settings and serializers. Serializers are bound when the ActorSystem starts,
    /// so a node's configuration must carry this as a fallback.
    /// </summary>
    public static Akka.Configuration.Config DefaultConfig => DistributedData.DefaultConfig();

    /// <summary>Starts the name server at <c>/user/nameserver</c>, the path clients address.</summary>
    public static IActorRef Start(ActorSystem system, NamingSettings settings) =>
        system.ActorOf(NameServerActor.Props(settings), NameServerActor.Name);
}
