using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Rocket.Protocol;

namespace Rocket.Broker.DataChannel;

/// <summary>
/// Accepts data channel connections on a socket the broker bound at start, one <see cref="DataConnectionActor"/>
/// each, and tells clients the port (<see cref="DataChannelQuery"/>).
/// </summary>
internal sealed class DataChannelListenerActor : ReceiveActor
{
    private sealed record Accepted(Socket Socket);

    private sealed record AcceptFailed(string Reason);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Socket _listener;
    private readonly int _port;
    private long _connections;

    public DataChannelListenerActor(Socket listener, IActorRef produce, IActorRef broker)
    {
        _listener = listener;
        _port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        Receive<DataChannelQuery>(_ => Sender.Tell(new DataChannelOffer(_port)));
        Receive<Accepted>(a => Context.ActorOf(DataConnectionActor.Props(a.Socket, produce, broker), $"connection-{++_connections}"));
        Receive<AcceptFailed>(f =>
        {
            _log.Error("the data channel stopped accepting connections on port {0}: {1}; clients send over Akka.Remote", _port, f.Reason);
            Context.Stop(Self);
        });
    }

    protected override void PreStart()
    {
        var self = Self;
        _ = AcceptLoopAsync(self);
        _log.Info("data channel listening on {0}", _listener.LocalEndPoint);
    }

    private async Task AcceptLoopAsync(IActorRef self)
    {
        try
        {
            while (true) self.Tell(new Accepted(await _listener.AcceptAsync().ConfigureAwait(false)));
        }
        catch (ObjectDisposedException) { /* stopped */ }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted) { /* stopped */ }
        catch (Exception e)
        {
            self.Tell(new AcceptFailed($"{e.GetType().Name}: {e.Message}"));
        }
    }

    protected override void PostStop() => _listener.Dispose();

    /// <summary>Binds the listening socket, or says why it cannot (the broker then answers queries with a refusal).</summary>
    public static (Socket? Socket, string? Error) Listen(string host, int port)
    {
        IPAddress address;
        try { address = ListenAddress.Resolve(host); }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            return (null, $"cannot resolve {host} ({e.Message})");
        }
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(512);
            return (socket, null);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            return (null, $"cannot listen on {address}:{port}: {e.Message}");
        }
    }

    public static Props Props(Socket listener, IActorRef produce, IActorRef broker) =>
        Akka.Actor.Props.Create(() => new DataChannelListenerActor(listener, produce, broker));
}
