using Akka.Actor;
using Akka.Configuration;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Store;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>
/// A test actor system named "rocket" on loopback remoting with a fake name server at /user/nameserver and
/// fake brokers at /user/broker-a and /user/broker-b: what a client reaches in a real cluster, minus the cluster.
/// </summary>
public abstract class FakeClusterTestBase : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config SystemConfig = ConfigurationFactory.ParseString("""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, maximum-frame-size = 8MiB }
        akka.loglevel = INFO
        """).WithFallback(Rocket.Settings.RocketConfig.Reference);

    protected FakeClusterTestBase(ITestOutputHelper output) : base(SystemConfig, "rocket", output)
    {
        Port = ((ExtendedActorSystem)Sys).Provider.DefaultAddress.Port!.Value;
        NameServer = Sys.ActorOf(Props.Create(() => new FakeNameServer()), "nameserver");
        BrokerA = Sys.ActorOf(Props.Create(() => new FakeBroker("broker-a")), "broker-a");
        BrokerB = Sys.ActorOf(Props.Create(() => new FakeBroker("broker-b")), "broker-b");
    }

    protected int Port { get; }
    protected IActorRef NameServer { get; }
    protected IActorRef BrokerA { get; }
    protected IActorRef BrokerB { get; }

    protected string BrokerPath(string name) => $"akka.tcp://rocket@127.0.0.1:{Port}/user/{name}";

    protected ClientSettings Settings(Func<ClientSettings, ClientSettings>? adjust = null)
    {
        var s = new ClientSettings { Seeds = [$"127.0.0.1:{Port}"], SendTimeout = TimeSpan.FromSeconds(3) };
        return adjust is null ? s : adjust(s);
    }

    /// <summary>Publishes a route: <paramref name="queuesPerBroker"/> read-write queues on each named broker.</summary>
    protected void SetRoute(string topic, int queuesPerBroker, params string[] brokers)
    {
        var route = new TopicRoute(topic,
            brokers.Select(b => new QueueData(b, queuesPerBroker, queuesPerBroker, TopicPerm.ReadWrite)).ToArray(),
            brokers.Select(b => new BrokerAddress("DefaultCluster", b, 0, BrokerPath(b))).ToArray());
        NameServer.Tell(new FakeNameServer.SetRoute(route));
    }

    protected Task<FakeBroker.State> StateOf(IActorRef broker) => broker.Ask<FakeBroker.State>(new FakeBroker.GetState(), TimeSpan.FromSeconds(3));

    protected static Message Text(string topic, string body, string? tags = null) =>
        new(topic, System.Text.Encoding.UTF8.GetBytes(body)) { Tags = tags };
}
