using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Produce;
using Rocket.Broker.Pull;
using Rocket.DataChannel;
using Rocket.Protocol;

namespace Rocket.Broker.DataChannel;

/// <summary>
/// The broker's end of one client's data channel connection. A produce request read from it goes straight to the
/// produce actor and a pull to the broker (which notes the puller, then hands it to the pull router), each with this
/// actor as the one to answer; answers are queued on the connection. Stops when the connection closes; a broker
/// stopping closes it.
/// </summary>
internal sealed class DataConnectionActor : ReceiveActor
{
    private sealed record Closed(string Reason);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly DataConnection _connection;
    private readonly string _peer;

    public DataConnectionActor(Socket socket, IActorRef produce, IActorRef broker)
    {
        var self = Self;
        var remote = socket.RemoteEndPoint as IPEndPoint;
        _peer = remote?.ToString() ?? "an unknown peer";
        _connection = new DataConnection(socket, isClient: false,
            onMessage: m => Route(m, produce, broker, remote, self),
            onClosed: reason => self.Tell(new Closed(reason)));

        // Closed meanwhile: the client failed (or re-pulled) what it had in flight on this connection when it closed.
        Receive<ProduceResponse>(r => Answer(r, r.RequestId));
        Receive<PullResponse>(r => Answer(r, r.RequestId));
        Receive<Closed>(c =>
        {
            _log.Debug("data channel from {0} ended: {1}", _peer, c.Reason);
            Context.Stop(Self);
        });
    }

    private void Answer(object answer, long requestId)
    {
        if (!_connection.Post(answer)) _log.Debug("data channel from {0} closed before request {1} was answered", _peer, requestId);
    }

    /// <summary>On the connection's read loop: a client sends only produce requests and pulls.</summary>
    private void Route(object message, IActorRef produce, IActorRef broker, IPEndPoint? bornHost, IActorRef self)
    {
        switch (message)
        {
            case ProduceRequest request:
                produce.Tell(new ChannelProduceRequest(request, bornHost), self);
                break;
            case PullFrame pull:
                broker.Tell(new ChannelPullRequest(pull.Request, ActorPath.TryParse(pull.PullerPath, out var path) ? path : null), self);
                break;
            default:
                _connection.Close($"a client sent a {message.GetType().Name}, which is not a request");
                break;
        }
    }

    protected override void PreStart() => _connection.Start();

    protected override void PostStop() => _connection.Close("the broker stopped");

    public static Props Props(Socket socket, IActorRef produce, IActorRef broker) =>
        Akka.Actor.Props.Create(() => new DataConnectionActor(socket, produce, broker));
}
