using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Rocket.Naming;
using Rocket.Protocol;
using Rocket.Store;

namespace Rocket.Tests.Naming;

/// <summary>One ActorSystem of an in-process test cluster, with its name server (and publisher, on a broker).</summary>
internal sealed record NamingNode(ActorSystem System, IActorRef NameServer, IActorRef? Publisher)
{
    public Address Address => Cluster.Get(System).SelfAddress;
    public string MemberAddress => Address.ToString();

    public Task<TopicRouteAnswer> Route(string topic) =>
        NameServer.Ask<TopicRouteAnswer>(new GetTopicRoute(topic), TimeSpan.FromSeconds(3));

    public Task<ClusterView> View() => NameServer.Ask<ClusterView>(GetClusterView.Instance, TimeSpan.FromSeconds(3));
}

/// <summary>
/// Several "rocket" ActorSystems in this process forming one cluster on 127.0.0.1 with random ports. Failure
/// detection and downing are shortened so crashes show within seconds.
/// </summary>
internal sealed class NamingCluster : IAsyncDisposable
{
    private const string TestHocon = """
        akka {
          loglevel = WARNING
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, batching.enabled = false }
          cluster {
            failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 2s }
            split-brain-resolver.stable-after = 3s
            distributed-data.gossip-interval = 500ms
          }
          # Terminate() is a crash here; tests that want a graceful exit leave the cluster first.
          coordinated-shutdown.run-by-actor-system-terminate = off
        }
        rocket.naming { publish-interval = 500ms, broker-expiry = 5s }
        """;

    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(15);

    private readonly List<ActorSystem> _systems = new();

    public NamingSettings Settings { get; } = NamingSettings.FromConfig(ConfigurationFactory.ParseString(TestHocon));

    /// <summary>A node that is not a broker; joins <paramref name="seed"/>, or itself when none is given.</summary>
    public Task<NamingNode> StartSeed(Address? seed = null) => Start("seed", seed, null);

    public Task<NamingNode> StartBroker(Address seed, BrokerRecord record) => Start("broker", seed, record);

    private async Task<NamingNode> Start(string role, Address? seed, BrokerRecord? record)
    {
        var config = ConfigurationFactory.ParseString($"akka.cluster.roles = [{role}]")
            .WithFallback(ConfigurationFactory.ParseString(TestHocon))
            .WithFallback(Rocket.Settings.RocketConfig.Reference);
        var system = ActorSystem.Create("rocket", config);
        _systems.Add(system);

        var cluster = Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(seed ?? cluster.SelfAddress);

        var nameServer = NamingActors.Start(system, Settings);
        IActorRef? publisher = null;
        if (record is not null)
        {
            publisher = system.ActorOf(BrokerPublisher.Props(Settings), "publisher");
            publisher.Tell(new PublishBrokerRecord(record));
        }
        await up.Task.WaitAsync(JoinTimeout);
        return new NamingNode(system, nameServer, publisher);
    }

    /// <summary>A broker's record; its role follows its id (0: ASYNC_MASTER, else SLAVE) unless <paramref name="role"/> says otherwise.</summary>
    public static BrokerRecord BrokerNamed(string name, TopicConfig[] topics, long id = 0, bool autoCreate = true, int defaultQueues = 8,
        BrokerRole? role = null, long epoch = 0, long maxOffset = 0) =>
        new("DefaultCluster", name, id, $"/user/broker-{name}-{id}", MemberAddress: "set by the publisher",
            autoCreate, defaultQueues, topics, PublishedAt: 0, Role: role ?? (id == 0 ? BrokerRole.AsyncMaster : BrokerRole.Slave),
            Epoch: epoch, MaxOffset: maxOffset);

    public async ValueTask DisposeAsync()
    {
        foreach (var system in _systems)
            await system.Terminate();
    }
}
