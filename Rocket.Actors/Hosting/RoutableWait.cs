using Akka.Actor;
using Akka.Event;
using Akka.Cluster;
using Rocket.Naming;
using Rocket.Protocol;

namespace Rocket.Hosting;

/// <summary>
/// A broker is ready when clients can route to it, not merely when it is a cluster member: its record reaches the
/// seeds' name servers a moment after membership (a write to every node, then the replicator's next notification).
/// A client that asked in between was told the topic does not exist, so a script that sends right after
/// <c>ready</c> failed now and then.
/// </summary>
internal static class RoutableWait
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a broker that is a member waits for the seeds to route to it before it says ready anyway.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs <paramref name="sayReady"/> once the seeds route to <paramref name="brokerName"/>, or after <see cref="Limit"/>
    /// with a warning; not at all if the node stopped meanwhile. Returns at once: the member-up callback must not block.
    /// </summary>
    public static void ThenRun(ActorSystem system, string brokerName, Action sayReady) => _ = Task.Run(async () =>
    {
        if (await AwaitAsync(system, brokerName, Limit) is { } notRoutable)
            system.Log.Warning("saying ready although clients may not route to this broker yet: {0} after {1:F0} s",
                notRoutable, Limit.TotalSeconds);
        if (!Cluster.Get(system).IsTerminated) sayReady();
    });

    /// <summary>
    /// Returns null once at least one seed answered and every seed that answered lists this node's broker record;
    /// after <paramref name="limit"/>, the reason it is not (the node then says ready anyway: gossip may still finish).
    /// </summary>
    private static async Task<string?> AwaitAsync(ActorSystem system, string brokerName, TimeSpan limit)
    {
        var cluster = Cluster.Get(system);
        var self = cluster.SelfAddress.ToString();
        var seeds = cluster.Settings.SeedNodes.Select(a => $"{a}/user/{NameServerActor.Name}").ToArray();
        var deadline = DateTime.UtcNow + limit;
        string problem = "no seed answered";
        while (!cluster.IsTerminated)
        {
            var views = await Task.WhenAll(seeds.Select(path => ViewOrNull(system, path)));
            int answered = views.Count(v => v is not null);
            int listing = views.Count(v => v is not null && v.Brokers.Any(b => b.BrokerName == brokerName && b.MemberAddress == self));
            if (answered > 0 && listing == answered) return null;
            if (answered > 0) problem = $"{answered - listing} of {answered} seeds do not list broker {brokerName} yet";
            if (DateTime.UtcNow >= deadline) break;
            await Task.Delay(PollInterval);
        }
        return problem;
    }

    private static async Task<ClusterView?> ViewOrNull(ActorSystem system, string path)
    {
        try { return await system.ActorSelection(path).Ask<ClusterView>(GetClusterView.Instance, AskTimeout); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or ActorNotFoundException) { return null; }
    }
}
