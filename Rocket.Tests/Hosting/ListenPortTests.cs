using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Rocket.Hosting;
using Xunit;

namespace Rocket.Tests.Hosting;

/// <summary>A node never shares its port (issue 8, point 1).</summary>
public class ListenPortTests
{
    /// <summary>A listener as Akka's default transport settings make one: .NET's ReuseAddress, i.e. SO_REUSEPORT on Linux.</summary>
    private static Socket SharingListener()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        return socket;
    }

    private static int PortOf(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    [Fact]
    public void The_check_names_a_taken_port_and_passes_a_free_one()
    {
        using var listener = SharingListener();
        int port = PortOf(listener);
        var problem = new ListenPort("127.0.0.1", port).Problem();
        Assert.NotNull(problem);
        Assert.StartsWith($"port {port} on 127.0.0.1 is already in use (", problem);
        listener.Dispose();
        Assert.Null(new ListenPort("127.0.0.1", port).Problem());
        Assert.Null(new ListenPort("127.0.0.1", 0).Problem()); // the system picks a free one
    }

    [Fact]
    public async Task The_node_transport_refuses_a_port_that_akkas_default_settings_would_share()
    {
        using var listener = SharingListener();
        int port = PortOf(listener);
        var config = NodeConfig.Build(NodeRole.Seed, new NodeOptions { Port = port });
        Assert.Equal("off", config.GetString("akka.remote.dot-netty.tcp.tcp-reuse-addr"));

        // The cause: with Akka's default (on except on Windows) a second listener binds the same port.
        var sharing = ActorSystem.Create("rocket", ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.tcp-reuse-addr = off-for-windows").WithFallback(config));
        try { Assert.Equal(port, ((ExtendedActorSystem)sharing).Provider.DefaultAddress.Port); }
        finally { await sharing.Terminate(); }

        // Rocket's node configuration: the transport fails to bind, and the failure is named.
        ActorSystem? started = null;
        var e = Assert.ThrowsAny<Exception>(() => started = ActorSystem.Create("rocket", config));
        if (started is not null) await started.Terminate();
        var line = new ListenPort("127.0.0.1", port).BindFailure(e);
        Assert.NotNull(line);
        Assert.StartsWith($"port {port} on 127.0.0.1 is already in use (", line);
    }

    [Fact]
    public void Other_start_failures_are_not_taken_for_a_taken_port() =>
        Assert.Null(new ListenPort("127.0.0.1", 1).BindFailure(new AggregateException(new InvalidOperationException("x"))));
}
