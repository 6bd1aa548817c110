using Akka.Actor;
using Akka.Cluster;

namespace Rocket.Hosting;

/// <summary>
/// A node that is no longer a cluster member (downed, removed, could not join, or its actor system terminated)
/// serves nobody, so its process must end with a non-zero code and say why: a process manager then restarts it.
/// Only a stop the host asked for (SIGTERM, Ctrl+C: Akka.Hosting runs coordinated shutdown with
/// <see cref="CoordinatedShutdown.ClrExitReason"/>) is a normal end.
/// </summary>
public static class MembershipEnd
{
    /// <summary>Exit code of a node whose membership or actor system ended without the host asking.</summary>
    public const int ExitCode = NodeExitCode.MembershipEnded;

    /// <summary>
    /// Makes sure that losing membership stops the actor system: Akka does that itself when
    /// <c>akka.cluster.run-coordinated-shutdown-when-down</c> is on, but with it off (or when the cluster daemon
    /// stops for another reason) the process would stay alive and unjoined.
    /// </summary>
    public static void StopSystemWhenMembershipEnds(ActorSystem system, Cluster cluster)
    {
        cluster.RegisterOnMemberRemoved(() =>
        {
            var shutdown = CoordinatedShutdown.Get(system);
            if (shutdown.ShutdownReason is null) shutdown.Run(MembershipEndedReason.Instance);
        });
    }

    /// <summary>
    /// Whether the node stopped because it was not a member within <c>akka.cluster.shutdown-after-unsuccessful-join-seed-nodes</c>.
    /// </summary>
    public static bool JoinTimedOut(ActorSystem system) =>
        CoordinatedShutdown.Get(system).ShutdownReason is CoordinatedShutdown.ClusterJoinUnsuccessfulReason;

    public static string JoinTimedOutMessage(Akka.Configuration.Config config) =>
        $"not a cluster member {config.GetTimeSpan("akka.cluster.shutdown-after-unsuccessful-join-seed-nodes").TotalSeconds:F0} s after start (akka.cluster.shutdown-after-unsuccessful-join-seed-nodes)";

    /// <summary>Null when the host asked the node to stop; otherwise the error line saying why it stopped.</summary>
    public static string? Problem(ActorSystem system)
    {
        var reason = CoordinatedShutdown.Get(system).ShutdownReason;
        if (reason is CoordinatedShutdown.ClrExitReason) return null;
        string why = reason switch
        {
            null => "its actor system terminated",
            CoordinatedShutdown.ClusterDowningReason => "it was downed by the cluster (or downed itself)",
            CoordinatedShutdown.ClusterLeavingReason => "it was made to leave the cluster",
            CoordinatedShutdown.ClusterJoinUnsuccessfulReason => "it could not join the cluster (shutdown-after-unsuccessful-join-seed-nodes)",
            MembershipEndedReason => "its cluster membership ended",
            _ => $"its actor system shut down ({reason.GetType().Name})",
        };
        return $"no longer a cluster member: {why}; exiting with code {ExitCode} so that a process manager restarts it";
    }

    /// <summary>Coordinated-shutdown reason when the cluster stopped without running coordinated shutdown itself.</summary>
    public sealed class MembershipEndedReason : CoordinatedShutdown.Reason
    {
        public static readonly MembershipEndedReason Instance = new();
        private MembershipEndedReason() { }
        public override int ExitCode => MembershipEnd.ExitCode;
    }
}
