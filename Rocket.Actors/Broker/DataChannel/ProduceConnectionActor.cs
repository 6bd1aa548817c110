using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Produce;
using Rocket.DataChannel;
using Rocket.Protocol;

namespace Rocket.Broker.DataChannel;

/// <summary>
/// The broker's end of one client's data channel connection: each produce request read from it goes straight to
/// the produce actor with this actor as the one to answer, and each answer is queued on the connection. Stops when
/// the connection closes; a broker stopping closes it.
/// </summary>
internal sealed class ProduceConnectionActor : ReceiveActor
{
    private sealed record Closed(string Reason);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly DataConnection _connection;
    private readonly string _peer;

    public ProduceConnectionActor(Socket socket, IActorRef produce)
    {
        var self = Self;
        var remote = socket.RemoteEndPoint as IPEndPoint;
        _peer = remote?.ToString() ?? "an unknown peer";
        _connection = new DataConnection(socket, isClient: false,
            onMessage: m => Route(m, produce, remote, self),
            onClosed: reason => self.Tell(new Closed(reason)));

        Receive<ProduceResponse>(r =>
        {
            // Closed meanwhile: the client failed its sends on this connection when it saw it close.
            if (!_connection.Post(r)) _log.Debug("data channel from {0} closed before produce request {1} was answered", _peer, r.RequestId);
        });
        Receive<Closed>(c =>
        {
            _log.Debug("data channel from {0} ended: {1}", _peer, c.Reason);
            Context.Stop(Self);
        });
    }

    /// <summary>On the connection's read loop: a client may only send produce requests.</summary>
    private void Route(object message, IActorRef produce, IPEndPoint? bornHost, IActorRef self)
    {
        if (message is ProduceRequest request) produce.Tell(new ChannelProduceRequest(request, bornHost), self);
        else _connection.Close($"a client sent a {message.GetType().Name}, which is not a request");
    }

    protected override void PreStart() => _connection.Start();

    protected override void PostStop() => _connection.Close("the broker stopped");

    public static Props Props(Socket socket, IActorRef produce) => Akka.Actor.Props.Create(() => new ProduceConnectionActor(socket, produce));
}
