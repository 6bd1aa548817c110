using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit;
using Rocket.Failover;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit.Abstractions;

namespace Rocket.Tests.Failover;

/// <summary>
/// A one-node cluster (so that Akka.DistributedData stores decisions; a majority of one is this node) with short
/// failover timings, and test probes standing in for the brokers of group broker-a.
/// </summary>
public abstract class FailoverTestKit : Akka.TestKit.Xunit2.TestKit
{
    internal static readonly FailoverSettings Settings = new()
    {
        FailoverAfter = TimeSpan.FromSeconds(2),
        MasterProbeInterval = TimeSpan.FromMilliseconds(200),
        PositionTimeout = TimeSpan.FromSeconds(1),
        PromoteTimeout = TimeSpan.FromSeconds(2),
        ResendInterval = TimeSpan.FromMilliseconds(500),
        MajorityTimeout = TimeSpan.FromSeconds(3),
    };

    private static readonly Config ClusterConfig = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.loglevel = INFO
        """).WithFallback(TestKitConfig.Reference);

    protected FailoverTestKit(ITestOutputHelper output) : base(ClusterConfig, "rocket", output)
    {
        var cluster = Cluster.Get(Sys);
        var up = new TaskCompletionSource();
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        up.Task.Wait(TimeSpan.FromSeconds(30));
    }

    protected string SelfAddress => Cluster.Get(Sys).SelfAddress.ToString();

    /// <summary>A broker's record whose front actor is <paramref name="probe"/>.</summary>
    internal BrokerRecord Record(TestProbe probe, long id, long epoch, BrokerRole? role = null, long publishedAt = 0) =>
        new("DefaultCluster", "broker-a", id, probe.Ref.Path.ToStringWithoutAddress(), SelfAddress, true, 8, [], publishedAt,
            Role: role ?? (id == 0 ? BrokerRole.AsyncMaster : BrokerRole.Slave), Epoch: epoch);

    internal static GroupView View(params (BrokerRecord Record, bool Live)[] brokers) =>
        new("DefaultCluster", "broker-a", [.. brokers.Select(b => new GroupBroker(b.Record, b.Live))]);

    internal static BrokerGroupEpoch Epoch(long epoch, long master, long start = 0) => new("DefaultCluster", "broker-a", epoch, master, start);

    /// <summary>Stands in for the coordinator: owns the group actor, forwards to it, and hands its status reports to a probe.</summary>
    internal sealed class Parent : ReceiveActor
    {
        public Parent(Props child, IActorRef status)
        {
            var group = Context.ActorOf(child, "group");
            Receive<GroupFailoverState>(s => status.Tell(s));
            ReceiveAny(m => group.Forward(m));
        }
    }

    /// <summary>The group actor of broker-a under a <see cref="Parent"/>; its status reports go to <paramref name="status"/>.</summary>
    internal IActorRef StartGroup(TestProbe status, BrokerGroupEpoch? stored = null, FailoverSettings? settings = null) =>
        Sys.ActorOf(Props.Create(() => new Parent(
            GroupFailoverActor.Props("DefaultCluster", "broker-a", stored, settings ?? Settings), status.Ref)));

    /// <summary>Waits for a status report with this decision.</summary>
    internal static async Task<GroupFailoverState> DecisionReported(TestProbe status, BrokerGroupEpoch decision) =>
        (GroupFailoverState)await status.FishForMessageAsync(m => m is GroupFailoverState s && s.Decision == decision);
}
