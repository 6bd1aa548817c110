using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Rocket.Naming;
using Rocket.Protocol;

namespace Rocket.Failover;

/// <summary>
/// Starts the failover coordinator on a seed (or standalone) node: a cluster singleton manager at
/// <c>/user/failover</c> (the coordinator runs on the oldest seed-role member only) and a proxy at
/// <c>/user/failover-proxy</c> that forwards <see cref="GetFailoverState"/> to wherever the coordinator runs.
/// </summary>
public static class FailoverActors
{
    /// <summary>The cluster role that hosts the coordinator (seed and standalone processes have it).</summary>
    public const string Role = "seed";

    public const string ManagerName = "failover";
    public const string SingletonName = "coordinator";

    public static void Start(ActorSystem system, FailoverSettings settings, NamingSettings naming)
    {
        system.ActorOf(ClusterSingletonManager.Props(FailoverCoordinator.Props(settings, naming), PoisonPill.Instance,
            ClusterSingletonManagerSettings.Create(system).WithRole(Role).WithSingletonName(SingletonName)), ManagerName);
        system.ActorOf(ClusterSingletonProxy.Props($"/user/{ManagerName}",
            ClusterSingletonProxySettings.Create(system).WithRole(Role).WithSingletonName(SingletonName)), FailoverNames.Proxy);
    }
}
