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
/// The broker's end of one client's data channel connection. The produce requests one socket read brought go to the
/// produce actor together, as one message (one journal batch; a lone request goes on as soon as its read is decoded),
/// and a pull to the broker (which notes the puller, then hands it to the pull router), each with a
/// <see cref="ChannelAnswerRef"/> as the one to answer, which queues the answer on the connection. Stops when the
/// connection closes; a broker stopping closes it.
/// </summary>
internal sealed class DataConnectionActor : ReceiveActor
{
    private sealed record Closed(string Reason);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly DataConnection _connection;
    private readonly string _peer;
    private readonly IActorRefProvider _provider = ((ExtendedActorSystem)Context.System).Provider;
    private readonly ChannelAnswerRef _produceAnswers;
    /// <summary>Read loop only: one answer ref per client puller (a consumer has one per queue it owns).</summary>
    private readonly Dictionary<string, ChannelAnswerRef?> _pullAnswers = new(StringComparer.Ordinal);
    /// <summary>Read loop only: the produce requests of the socket read being decoded.</summary>
    private readonly List<ProduceRequest> _readProduce = new();

    public DataConnectionActor(Socket socket, IActorRef produce, IActorRef broker)
    {
        var self = Self;
        var remote = socket.RemoteEndPoint as IPEndPoint;
        _peer = remote?.ToString() ?? "an unknown peer";
        _connection = new DataConnection(socket, isClient: false,
            onMessage: m => Route(m, produce, broker, remote, self),
            onClosed: reason => self.Tell(new Closed(reason)),
            onReadDone: () => SendProduce(produce, remote));
        _produceAnswers = new ChannelAnswerRef(_connection, self, self.Path, _provider);

        // An answer the answer refs could not queue (the connection closed meanwhile: the client failed or re-pulled
        // what it had in flight on it), or a pull answered through this actor.
        Receive<ProduceResponse>(r => Answer(r, r.RequestId));
        Receive<PullResponse>(r => Answer(r, r.RequestId));
        Receive<EncodedPullResponse>(r => Answer(r, r.Head.RequestId));
        Receive<Closed>(c =>
        {
            _log.Debug("data channel from {0} ended: {1}", _peer, c.Reason);
            Context.Stop(Self);
        });
    }

    private void Answer(object answer, long requestId)
    {
        if (_connection.Post(answer)) return;
        (answer as EncodedPullResponse)?.Release();
        _log.Debug("data channel from {0} closed before request {1} was answered", _peer, requestId);
    }

    /// <summary>On the connection's read loop: a client sends only produce requests and pulls.</summary>
    private void Route(object message, IActorRef produce, IActorRef broker, IPEndPoint? bornHost, IActorRef self)
    {
        switch (message)
        {
            case ProduceRequest request:
                _readProduce.Add(request);
                break;
            case PullFrame pull:
                var answers = PullAnswersFor(pull.PullerPath, self);
                broker.Tell(new ChannelPullRequest(pull.Request, answers?.Path), answers ?? self);
                break;
            default:
                _connection.Close($"a client sent a {message.GetType().Name}, which is not a request");
                break;
        }
    }

    /// <summary>On the read loop, after a socket read's frames.</summary>
    private void SendProduce(IActorRef produce, IPEndPoint? bornHost)
    {
        if (_readProduce.Count == 0) return;
        produce.Tell(new ChannelProduceRequests(_readProduce.ToArray(), bornHost), _produceAnswers);
        _readProduce.Clear();
    }

    /// <summary>On the read loop: the answer ref named by the puller's path; null (answers through this actor) if the path does not parse.</summary>
    private ChannelAnswerRef? PullAnswersFor(string pullerPath, IActorRef self)
    {
        if (_pullAnswers.TryGetValue(pullerPath, out var answers)) return answers;
        answers = ActorPath.TryParse(pullerPath, out var path) ? new ChannelAnswerRef(_connection, self, path, _provider) : null;
        // A misbehaving client could name endless paths: past a consumer's worth of queues, stop remembering them.
        if (_pullAnswers.Count < 4096) _pullAnswers[pullerPath] = answers;
        return answers;
    }

    protected override void PreStart() => _connection.Start();

    protected override void PostStop() => _connection.Close("the broker stopped");

    public static Props Props(Socket socket, IActorRef produce, IActorRef broker) =>
        Akka.Actor.Props.Create(() => new DataConnectionActor(socket, produce, broker));
}
