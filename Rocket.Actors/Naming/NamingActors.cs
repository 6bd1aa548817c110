using Akka.Actor;

namespace Rocket.Naming;

/// <summary>Starts the gossip name server on a cluster node (seed or broker).</summary>
public static class NamingActors
{
    /// <summary>Starts the name server at <c>/user/nameserver</c>, the path clients address.</summary>
    public static IActorRef Start(ActorSystem system, NamingSettings settings) =>
        system.ActorOf(NameServerActor.Props(settings), NameServerActor.Name);
}
