using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
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
        // Akka's proxy warns that it "failed to find the singleton after 30 seconds" as soon as it starts, before the
        // singleton could exist (seen in every seed's log here): a false alarm in every clean log, so it is off; a
        // query the proxy cannot deliver times out at the asker instead.
        const string section = "akka.cluster.singleton-proxy";
        var proxyConfig = ConfigurationFactory.ParseString("log-singleton-identification-failure = off")
            .WithFallback(system.Settings.Config.GetConfig(section) ?? Config.Empty)
            .WithFallback(ClusterSingleton.DefaultConfig().GetConfig(section));
        system.ActorOf(ClusterSingletonProxy.Props($"/user/{ManagerName}",
            ClusterSingletonProxySettings.Create(proxyConfig, considerAppVersion: false).WithRole(Role).WithSingletonName(SingletonName)), FailoverNames.Proxy);
    }
}
