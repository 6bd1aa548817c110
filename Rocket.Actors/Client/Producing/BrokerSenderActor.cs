using Akka.Actor;
using Akka.Event;
using Rocket.Client.Routing;
using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// The client's link to one broker for produce and pulls; it owns the broker's data channel (<see cref="DataChannelLink"/>).
/// Sends produce requests to one broker and coalesces: while max-in-flight-per-broker requests are outstanding,
/// new sends queue here; each reply frees a slot and everything queued (up to the message and byte caps) leaves
/// as one <see cref="ProduceRequest"/>. Nothing waits on a timer, so a lone send goes out at once. While the data
/// channel is open, sends and pulls skip this actor (<see cref="DirectChannel"/>) and it only checks the sends' deadlines.
/// </summary>
internal sealed class BrokerSenderActor : ReceiveActor, IWithTimers
{
    /// <summary>
    /// Fails the requests whose deadline passed. One periodic timer, running while requests are out, instead of a timer
    /// per request: a cancelled Akka timer stays in the scheduler's wheel until its slot comes round (up to ~5 s), so a
    /// timer per request kept thousands of objects alive at a few thousand sends a second, and every gen0 collection
    /// had to copy them.
    /// </summary>
    private sealed class CheckDeadlines { public static readonly CheckDeadlines Instance = new(); }

    /// <summary>How late a request's timeout may be reported (the send timeout is seconds).</summary>
    private static readonly TimeSpan DeadlineCheckInterval = TimeSpan.FromMilliseconds(50);

    /// <param name="Channel">The data channel generation it went on; 0 for Akka.Remote.</param>
    /// <param name="Deadline">UTC; its most impatient send's (a retry attempt has a share of the send timeout).</param>
    private sealed record InFlight(IPendingSend[] Sends, int Channel, DateTime Deadline);

    private readonly string _brokerName;
    private readonly string _brokerPath;
    private readonly ClientSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<IPendingSend> _queued = new();
    private readonly Dictionary<long, InFlight> _inFlight = new();
    private readonly BrokerSender _sender;
    private long _requestsSent;
    private long _requestsOverDataChannel;
    private long _pullsOverDataChannel;
    private readonly BrokerLink _broker;
    private readonly DataChannelLink _channel;
    private bool _down;           // the watched broker died; cleared when it resolves again

    /// <param name="sender">Where the data channel's direct sends are published for producers.</param>
    public BrokerSenderActor(string brokerName, string brokerPath, ClientSettings settings, BrokerSender sender)
    {
        _brokerName = brokerName;
        _brokerPath = brokerPath;
        _settings = settings;
        _sender = sender;
        _broker = new BrokerLink(Context, brokerPath, settings.SendTimeout);
        _channel = new DataChannelLink(Context, brokerName, settings.DataChannel, settings.DirectSends, sender, _log);

        Receive<IPendingSend>(send =>
        {
            if (_down)
            {
                // Known dead: fail at once so the producer retries on another broker instead of waiting out a timeout.
                send.Fail(Unreachable());
                return;
            }
            if (TimedOut(send, DateTime.UtcNow)) return;
            _queued.Enqueue(send);
            SendWhileSlotsFree();
        });
        Receive<ProduceResponse>(OnResponse);
        Receive<CheckDeadlines>(_ => FailOverdue());
        Receive<GetBrokerSenderStats>(_ =>
        {
            long direct = _sender.DirectSent, directPulls = _sender.DirectPulls;
            Sender.Tell(new BrokerSenderStats(_inFlight.Count + _channel.DirectUnanswered, _queued.Count, _requestsSent + direct,
                _requestsOverDataChannel + direct, _channel.IsOpen, _pullsOverDataChannel + directPulls, direct, directPulls));
        });
        Receive<ChannelPull>(p =>
        {
            if (_channel.TryPostPull(p.Request, Sender, p.PullerPath)) _pullsOverDataChannel++;
            else _broker.Tell(p.Request, Sender);
        });
        Receive<BrokerLink.Resolved>(r =>
        {
            if (!_broker.OnResolved(r, Timers)) return;
            _down = false;
            _channel.Query(_broker.Broker);
        });
        Receive<DataChannelOffer>(o => _channel.OnOffer(o, _broker.Broker));
        Receive<DataChannelRefused>(_channel.OnRefused);
        Receive<DataChannelLink.Connected>(c =>
        {
            _channel.OnConnected(c, brokerUp: !_down && _broker.Broker is not null);
            if (_channel.HasDirectSends) CheckDeadlinesPeriodically();
        });
        Receive<DataChannelLink.ConnectFailed>(f => _channel.OnConnectFailed(f, Timers));
        Receive<DataChannelLink.QueryAgain>(_ => _channel.Query(_down ? null : _broker.Broker));
        Receive<DataChannelLink.Closed>(c =>
        {
            _channel.OnClosed(c, Timers);
            _channel.FailPulls(c.Generation, c.Reason);
            // Requests that went on that connection may or may not have been stored: fail them like an unreachable
            // broker's, so the producer retries (at least once) instead of waiting out the send timeout.
            var error = _channel.ClosedBeforeAnswer(c.Reason);
            foreach (var (id, request) in _inFlight.Where(r => r.Value.Channel == c.Generation).ToArray())
            {
                _inFlight.Remove(id);
                foreach (var send in request.Sends) send.Fail(error);
            }
            SendWhileSlotsFree();
        });
        Receive<BrokerLink.ResolveAgain>(_ => _broker.Resolve());
        Receive<Terminated>(t =>
        {
            if (!_broker.OnTerminated(t, Timers)) return;
            _log.Warning("broker {0} at {1} stopped or became unreachable; failing its sends until it is back", _brokerName, _brokerPath);
            _down = true;
            var error = Unreachable();
            _channel.Close("the broker stopped or became unreachable", error);
            foreach (var request in _inFlight.Values)
                foreach (var send in request.Sends) send.Fail(error);
            _inFlight.Clear();
            while (_queued.TryDequeue(out var queued)) queued.Fail(error);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => _broker.Resolve();

    protected override void PostStop()
    {
        // Not a RocketSendException: a retry could only reach this stopped actor.
        var error = new RocketClientException($"the client was closed before broker {_brokerName} answered");
        _channel.Close("the client stopped", error);
        foreach (var request in _inFlight.Values)
            foreach (var s in request.Sends) s.Fail(error);
        foreach (var s in _queued) s.Fail(error);
    }

    private TimeoutException NoAnswer() => new($"broker {_brokerName} ({_brokerPath}) did not answer within the send timeout");

    /// <summary>Fails a send whose deadline has passed (true), e.g. one that waited in the queue behind a silent broker.</summary>
    private bool TimedOut(IPendingSend send, DateTime now)
    {
        if (send.Deadline > now) return false;
        send.Fail(NoAnswer());
        return true;
    }

    private RocketSendException Unreachable() =>
        new($"broker {_brokerName} ({_brokerPath}) stopped or is unreachable", ProduceStatus.ServiceNotAvailable);


    private void OnResponse(ProduceResponse response)
    {
        if (!_inFlight.Remove(response.RequestId, out var request)) return; // already timed out
        var sends = request.Sends;
        int expected = 0;
        foreach (var s in sends) expected += s.Messages.Length;
        if (response.Results.Length != expected)
        {
            var error = ProduceAnswers.CountMismatch(_brokerName, response.Results.Length, expected);
            foreach (var s in sends) s.Fail(error);
        }
        else if (sends.Length == 1) sends[0].Answer(response.Results); // the answer is this send's alone
        else
        {
            int at = 0;
            foreach (var s in sends)
            {
                s.Answer(new ArraySegment<ProduceResult>(response.Results, at, s.Messages.Length)); // its part, not a copy
                at += s.Messages.Length;
            }
        }
        SendWhileSlotsFree();
    }

    /// <summary>
    /// Fails the requests past their deadline; stops the check once nothing is out or queued and no direct sends can be
    /// (they are posted without this actor hearing of them).
    /// </summary>
    private void FailOverdue()
    {
        var now = DateTime.UtcNow;
        _channel.FailOverdueDirectSends(now, NoAnswer);
        if (_inFlight.Count == 0 && _queued.Count == 0)
        {
            if (!_channel.HasDirectSends) Timers.Cancel(CheckDeadlines.Instance);
            return;
        }
        List<long>? overdue = null;
        foreach (var (id, request) in _inFlight)
            if (request.Deadline <= now) (overdue ??= new()).Add(id);
        if (overdue is null) return;
        var error = NoAnswer();
        foreach (var id in overdue)
        {
            _inFlight.Remove(id, out var request);
            foreach (var s in request!.Sends) s.Fail(error);
        }
        SendWhileSlotsFree();
    }

    private void SendWhileSlotsFree()
    {
        while (_inFlight.Count < _settings.MaxInFlightPerBroker && _queued.Count > 0) SendOneRequest();
    }

    /// <summary>Takes queued sends up to the caps (always at least one, however big) into one request.</summary>
    private void SendOneRequest()
    {
        var now = DateTime.UtcNow;
        IPendingSend? first = null;
        List<IPendingSend>? more = null; // only when sends coalesce: a lone send goes as it is, with no copy
        int messages = 0, bytes = 0;
        var earliestDeadline = DateTime.MaxValue;
        while (_queued.TryPeek(out var next))
        {
            if (next.IsAnswered || TimedOut(next, now)) { _queued.Dequeue(); continue; }
            bool fits = messages + next.Messages.Length <= _settings.MaxCoalescedMessages && bytes + next.Bytes <= _settings.MaxCoalescedBytes;
            if (first is not null && !fits) break;
            _queued.Dequeue();
            if (first is null) first = next;
            else (more ??= [first]).Add(next);
            if (next.Deadline < earliestDeadline) earliestDeadline = next.Deadline;
            messages += next.Messages.Length;
            bytes += next.Bytes;
        }
        if (first is null) return;

        IPendingSend[] sends;
        WireMessage[] wire;
        if (more is null)
        {
            sends = [first];
            wire = first.Messages;
        }
        else
        {
            sends = more.ToArray();
            wire = new WireMessage[messages];
            int at = 0;
            foreach (var s in sends)
            {
                s.Messages.CopyTo(wire, at);
                at += s.Messages.Length;
            }
        }
        long id = ProduceRequestIds.Next();
        _requestsSent++;
        var request = new ProduceRequest(id, wire);
        int channel = _channel.TryPost(request);
        if (channel != 0) _requestsOverDataChannel++;
        else _broker.Tell(request, Self);
        _inFlight[id] = new InFlight(sends, channel, earliestDeadline);
        CheckDeadlinesPeriodically();
    }

    private void CheckDeadlinesPeriodically()
    {
        if (!Timers.IsTimerActive(CheckDeadlines.Instance))
            Timers.StartPeriodicTimer(CheckDeadlines.Instance, CheckDeadlines.Instance, DeadlineCheckInterval);
    }
}
