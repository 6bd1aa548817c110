using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using Akka.TestKit;
using Rocket.Failover;
using Rocket.Naming;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Failover;

/// <summary>
/// Two seeds (each with the coordinator's singleton manager and proxy) and a master and a slave of broker-a, each its
/// own ActorSystem on loopback in this process; the brokers are stand-ins that publish real records and answer the
/// coordinator. Failure detection, downing and failover-after are shortened, unless ROCKET_FAILOVER_DEFAULT_TIMINGS=1
/// (then Hosting/node.conf's failure detector and split-brain resolver and reference.conf's failover settings apply:
/// a measurement of the defaults, see docs/failover.md).
/// </summary>
public sealed class FailoverClusterTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;

    public FailoverClusterTests(ITestOutputHelper output) : base(TestKitConfig.Reference, output: output) => _output = output;

    private static readonly bool DefaultTimings = Environment.GetEnvironmentVariable("ROCKET_FAILOVER_DEFAULT_TIMINGS") == "1";

    private const string ShortTimings = """
        akka.cluster {
          failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 2s }
          split-brain-resolver.stable-after = 3s
          distributed-data.gossip-interval = 500ms
        }
        rocket.naming { publish-interval = 500ms, broker-expiry = 5s }
        rocket.failover { failover-after = 2s, position-timeout = 1s, promote-timeout = 3s, resend-interval = 500ms }
        """;

    private static readonly Config Common = ConfigurationFactory.ParseString($$"""
        akka {
          loglevel = INFO
          loggers = []
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
          # Terminate() is a crash here (no leaving first).
          coordinated-shutdown.run-by-actor-system-terminate = off
        }
        {{(DefaultTimings ? "" : ShortTimings)}}
        """)
        .WithFallback(Rocket.Settings.RocketConfig.Load("Rocket.Hosting.node.conf"))
        .WithFallback(Rocket.Settings.RocketConfig.Reference);

    private readonly List<ActorSystem> _systems = new();

    /// <summary>A broker's stand-in: publishes its record, reports its position, obeys PromoteToMaster and FollowMaster.</summary>
    private sealed class StandInBroker : ReceiveActor
    {
        private long _epoch;
        private BrokerRole _role;

        public StandInBroker(long id, BrokerRole role, long maxOffset, IActorRef publisher, IActorRef seen)
        {
            _role = role;
            // As a real broker publishes it: the full remote path.
            var path = Self.Path.ToStringWithAddress(Cluster.Get(Context.System).SelfAddress);
            void Publish() => publisher.Tell(new PublishBrokerRecord(new BrokerRecord("DefaultCluster", "broker-a", id, path,
                "set by the publisher", true, 8, [], 0, Role: _role, Epoch: _epoch, MaxOffset: maxOffset)));
            Publish();
            Receive<GetReplicaPosition>(m =>
            {
                seen.Tell(m);
                Sender.Tell(new ReplicaPosition("broker-a", id, _epoch, maxOffset));
            });
            Receive<PromoteToMaster>(m =>
            {
                seen.Tell(m);
                (_epoch, _role) = (m.Decision.Epoch, BrokerRole.AsyncMaster);
                Publish();
                Sender.Tell(new PromotedToMaster("broker-a", id, _epoch, maxOffset));
            });
            Receive<FollowMaster>(m =>
            {
                seen.Tell(m);
                (_epoch, _role) = (m.Decision.Epoch, m.Decision.MasterBrokerId == id ? BrokerRole.AsyncMaster : BrokerRole.Slave);
                Publish();
            });
        }
    }

    /// <summary>Copies the coordinator's log lines (and every warning) of one node into the test output.</summary>
    private sealed class LogCopy : ReceiveActor
    {
        public LogCopy(ITestOutputHelper output, string node) =>
            Receive<LogEvent>(e =>
            {
                if (e.LogLevel() >= LogLevel.WarningLevel || e.LogSource.Contains("failover", StringComparison.Ordinal))
                    try { output.WriteLine($"{e.Timestamp:HH:mm:ss.fff} {node} {e.LogLevel()} {e.LogSource}: {e.Message}"); }
                    catch (InvalidOperationException) { } // the test has ended
            });
    }

    private async Task<ActorSystem> Node(string role, Address? seed)
    {
        var system = ActorSystem.Create("rocket", ConfigurationFactory.ParseString($"akka.cluster.roles = [{role}]").WithFallback(Common));
        _systems.Add(system);
        var name = $"{role}{_systems.Count}";
        system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new LogCopy(_output, name))), typeof(LogEvent));
        var cluster = Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(seed ?? cluster.SelfAddress);
        // Every Rocket node runs the replicator (its name server starts it); this test starts no name servers.
        Akka.DistributedData.DistributedData.Get(system);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return system;
    }

    private async Task<ActorSystem> Seed(Address? seed)
    {
        var system = await Node("seed", seed);
        FailoverActors.Start(system, FailoverSettings.FromConfig(system.Settings.Config), NamingSettings.FromConfig(system.Settings.Config));
        return system;
    }

    private async Task<(ActorSystem System, TestProbe Seen)> Broker(Address seed, long id, BrokerRole role, long maxOffset)
    {
        var system = await Node("broker", seed);
        var seen = CreateTestProbe(system);
        var publisher = system.ActorOf(BrokerPublisher.Props(NamingSettings.FromConfig(system.Settings.Config)), "publisher");
        system.ActorOf(Props.Create(() => new StandInBroker(id, role, maxOffset, publisher, seen.Ref)), "broker");
        return (system, seen);
    }

    private static Task<FailoverState> Query(ActorSystem seed) =>
        seed.ActorSelection($"/user/{FailoverNames.Proxy}").Ask<FailoverState>(GetFailoverState.Instance, TimeSpan.FromSeconds(3));

    private async Task DecisionSeen(ActorSystem seed, BrokerGroupEpoch decision, TimeSpan within) =>
        await AwaitAssertAsync(async () =>
        {
            var state = await Query(seed);
            Assert.True(state.Loaded);
            Assert.Equal(decision, Assert.Single(state.Groups).Decision);
        }, within, TimeSpan.FromMilliseconds(200));

    [Fact]
    public async Task Two_seeds_make_one_decision_promote_the_slave_once_when_the_master_dies_and_a_new_coordinator_keeps_it()
    {
        var seed1 = await Seed(null);
        var seed2 = await Seed(Cluster.Get(seed1).SelfAddress);
        var (masterSystem, master) = await Broker(Cluster.Get(seed1).SelfAddress, 0, BrokerRole.SyncMaster, 4096);
        var (_, slave) = await Broker(Cluster.Get(seed1).SelfAddress, 1, BrokerRole.Slave, 4000);

        // One decision for the new group, the same through either seed.
        var epoch1 = new BrokerGroupEpoch("DefaultCluster", "broker-a", 1, 0, 0);
        await DecisionSeen(seed1, epoch1, TimeSpan.FromSeconds(30));
        await DecisionSeen(seed2, epoch1, TimeSpan.FromSeconds(10));
        Assert.Equal(epoch1, ((FollowMaster)await master.FishForMessageAsync(m => m is FollowMaster, TimeSpan.FromSeconds(10))).Decision);

        // The master's process dies.
        var masterAddress = Cluster.Get(masterSystem).SelfAddress;
        var killed = Stopwatch.StartNew();
        await masterSystem.Terminate();
        var promote = (PromoteToMaster)await slave.FishForMessageAsync(m => m is PromoteToMaster, TimeSpan.FromSeconds(60));
        var promotedAfter = killed.Elapsed;
        var epoch2 = new BrokerGroupEpoch("DefaultCluster", "broker-a", 2, 1, 4000);
        Assert.Equal(epoch2, promote.Decision);
        _output.WriteLine($"master killed -> PromoteToMaster at the slave: {promotedAfter.TotalSeconds:F1} s");
        await DecisionSeen(seed2, epoch2, TimeSpan.FromSeconds(10));
        _output.WriteLine($"master killed -> decision visible through the other seed: {killed.Elapsed.TotalSeconds:F1} s");

        // Once the split-brain resolver has removed the dead master (two failures within its stable-after would make it
        // down every node), the coordinator's seed dies too: the singleton moves to seed2, which reads epoch 2 back from the majority
        // (seed2 and the slave) and promotes nobody again.
        await AwaitConditionAsync(() => Task.FromResult(Cluster.Get(seed2).State.Members.All(m => m.Address != masterAddress)),
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        await AwaitAssertAsync(async () => Assert.Equal("master live", Assert.Single((await Query(seed1)).Groups).Status),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        await seed1.Terminate();
        await AwaitAssertAsync(async () =>
        {
            var state = await Query(seed2);
            Assert.True(state.Loaded);
            var group = Assert.Single(state.Groups);
            Assert.Equal(epoch2, group.Decision);
            Assert.Equal("master live", group.Status);
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
        var again = slave.ReceiveWhile(TimeSpan.FromSeconds(2), m => m);
        Assert.DoesNotContain(again, m => m is PromoteToMaster p && p.Decision != epoch2);
        Assert.DoesNotContain(again, m => m is GetReplicaPosition);
    }

    protected override void AfterAll()
    {
        foreach (var system in _systems) system.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }
}
