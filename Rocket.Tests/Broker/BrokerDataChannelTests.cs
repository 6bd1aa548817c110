using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Rocket.Broker;
using Rocket.DataChannel;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker;

/// <summary>A real broker's data channel, spoken to with the transport alone (no client library).</summary>
public sealed class BrokerDataChannelTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private static readonly Config Remote = ConfigurationFactory.ParseString("""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        """).WithFallback(TestKitConfig.Reference);

    private readonly TempDirectory _dir = new("broker-channel");

    public BrokerDataChannelTests() : base(Remote) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    private IActorRef StartBroker(ActorSystem system, BrokerSettings settings)
    {
        var store = MessageStore.Open(TestMessages.SmallStore(Path.Combine(_dir.Path, system.Name)));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory([new TopicConfig("T", 2, 2)]), InMemoryOffsetsActor.Props(), Publisher: null);
        return system.ActorOf(BrokerActor.Props(store, settings, parts), BrokerActor.Name);
    }

    [Fact]
    public async Task A_client_produces_and_pulls_over_the_port_the_broker_offers()
    {
        var broker = StartBroker(Sys, new BrokerSettings());
        var offer = await broker.Ask<DataChannelOffer>(DataChannelQuery.Instance, Patience);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, offer.Port);
        var received = System.Threading.Channels.Channel.CreateUnbounded<object>();
        var connection = new DataConnection(socket, isClient: true, m => received.Writer.TryWrite(m), _ => { });
        connection.Start();
        // Waits without blocking a thread: the broker's actors and the connection's loops share the thread pool.
        async Task<object> Next() => await received.Reader.ReadAsync().AsTask().WaitAsync(Patience);

        connection.Post(new ProduceRequest(7, [new WireMessage("T", 1, Encoding.UTF8.GetBytes("over the channel"), null, 0, 1)]));
        var produced = Assert.IsType<ProduceResponse>(await Next());
        Assert.Equal(7, produced.RequestId);
        Assert.Equal(ProduceStatus.Ok, Assert.Single(produced.Results).Status);

        // A pull held (long poll) until the message's projection arrives, answered on the same connection.
        connection.Post(new PullFrame($"akka.tcp://client@127.0.0.1:1/user/push-1/queue-1",
            new PullRequest(8, "G", "T", 1, 0, 32, null, 5000)));
        var pulled = Assert.IsType<PullResponse>(await Next());
        Assert.Equal(8, pulled.RequestId);
        Assert.Equal("over the channel", Encoding.UTF8.GetString(Assert.Single(pulled.Messages).Body));
        connection.Close("test over");
    }

    [Fact]
    public async Task A_broker_with_the_data_channel_off_refuses_naming_the_setting()
    {
        var broker = StartBroker(Sys, new BrokerSettings { DataChannelEnable = false });
        var refused = await broker.Ask<DataChannelRefused>(DataChannelQuery.Instance, Patience);
        Assert.Contains("rocket.broker.data-channel-enable is off", refused.Reason);
    }

    [Fact]
    public async Task A_broker_whose_port_is_taken_logs_an_error_and_refuses_naming_the_port()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen(1);
        int port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var broker = StartBroker(Sys, new BrokerSettings { DataChannelPort = port });
        var refused = await broker.Ask<DataChannelRefused>(DataChannelQuery.Instance, Patience);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", refused.Reason);
        Assert.Contains("rocket.broker.data-channel-port", refused.Reason);
    }

    [Fact]
    public async Task A_broker_in_an_actor_system_without_remoting_refuses()
    {
        using var local = ActorSystem.Create("local", TestKitConfig.Reference);
        var broker = StartBroker(local, new BrokerSettings());
        var refused = await broker.Ask<DataChannelRefused>(DataChannelQuery.Instance, Patience);
        Assert.Contains("not remote", refused.Reason);
        await local.Terminate();
    }
}
