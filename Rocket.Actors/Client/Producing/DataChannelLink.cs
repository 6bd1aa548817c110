using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Rocket.DataChannel;
using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// A broker sender's data channel to its broker: asks the broker (over Akka.Remote) for the port, connects, and
/// after a close asks again a second later. Until it is connected, and whenever the broker offers none, produce
/// requests go over Akka.Remote. While it is open, <paramref name="sender"/> has the connection's <see cref="DirectChannel"/>
/// (taking sends when <paramref name="directSends"/>). The owning actor routes the messages named here to the matching methods.
/// </summary>
internal sealed class DataChannelLink(IActorContext owner, string brokerName, bool enabled, bool directSends, BrokerSender sender,
    ILoggingAdapter log)
{
    internal sealed record Connected(Socket Socket, int Generation);

    internal sealed record ConnectFailed(string Reason, int Generation);

    internal sealed record Closed(string Reason, int Generation);

    internal sealed record QueryAgain
    {
        public static readonly QueryAgain Instance = new();
    }

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    private DataConnection? _connection;
    private int _generation;
    private bool _refusalLogged;
    private readonly ChannelPulls _pulls = new();

    public bool IsOpen => _connection is { IsClosed: false };

    /// <summary>Whether sends may be posted directly now: their deadlines need checking while this is so.</summary>
    public bool HasDirectSends => sender.Direct is { TakesSends: true };

    /// <summary>How many direct sends on the open connection await their answer.</summary>
    public int DirectUnanswered => sender.Direct?.Unanswered ?? 0;

    /// <summary>What a request that went on a channel that closed before its answer fails with: the producer retries it.</summary>
    public RocketSendException ClosedBeforeAnswer(string reason) =>
        new($"the data channel to broker {brokerName} closed ({reason}) before the broker answered", ProduceStatus.ServiceNotAvailable);

    /// <summary>Asks <paramref name="broker"/> for its data channel, unless one is open or the broker is in this process.</summary>
    public void Query(IActorRef? broker)
    {
        if (!enabled || broker is null || _connection is not null || broker.Path.Address.Host is null) return;
        broker.Tell(DataChannelQuery.Instance, owner.Self);
    }

    public void OnOffer(DataChannelOffer offer, IActorRef? broker)
    {
        if (_connection is not null || broker?.Path.Address.Host is not { } host) return;
        _ = ConnectAsync(host, offer.Port, ++_generation, owner.Self);
    }

    public void OnRefused(DataChannelRefused refused)
    {
        if (_refusalLogged) return;
        _refusalLogged = true;
        log.Warning("broker {0} offers no data channel ({1}); sending to it over Akka.Remote", brokerName, refused.Reason);
    }

    private static async Task ConnectAsync(string host, int port, int generation, IActorRef self)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = new CancellationTokenSource(ConnectTimeout);
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            self.Tell(new Connected(socket, generation));
        }
        catch (Exception e)
        {
            socket.Dispose();
            self.Tell(new ConnectFailed($"{host}:{port}: {e.Message}", generation));
        }
    }

    /// <param name="brokerUp">Whether the broker is still resolved and alive; a late connection to a dead one is dropped.</param>
    public void OnConnected(Connected connected, bool brokerUp)
    {
        if (connected.Generation != _generation || !brokerUp || _connection is not null)
        {
            connected.Socket.Dispose();
            return;
        }
        var self = owner.Self;
        int generation = connected.Generation;
        DataConnection? connection = null;
        DirectChannel? direct = null; // set before the read loop starts
        connection = new DataConnection(connected.Socket, isClient: true,
            onMessage: m =>
            {
                switch (m)
                {
                    case ProduceResponse response:
                        if (direct is null || !direct.TryAnswer(response)) self.Tell(m);
                        break;
                    case PullResponse pulled:
                        _pulls.Answer(pulled); // straight to the puller
                        break;
                    default:
                        connection!.Close($"the broker sent a {m.GetType().Name}, which is not an answer");
                        break;
                }
            },
            onClosed: reason =>
            {
                Retire(direct!, ClosedBeforeAnswer(reason)); // before the actor hears of it: no direct send waits on a dead connection
                self.Tell(new Closed(reason, generation));
            });
        direct = new DirectChannel(connection, brokerName, directSends, _pulls, generation);
        _connection = connection;
        sender.Direct = direct; // published before the loops start, so only their close can withdraw it
        connection.Start();
    }

    public void OnConnectFailed(ConnectFailed failed, ITimerScheduler timers)
    {
        if (failed.Generation != _generation) return;
        log.Warning("could not open the data channel to broker {0} ({1}); sending over Akka.Remote, trying again in {2} s",
            brokerName, failed.Reason, RetryAfter.TotalSeconds);
        timers.StartSingleTimer(this, QueryAgain.Instance, RetryAfter);
    }

    /// <summary>The connection of <paramref name="closed"/>'s generation ended; a new one is asked for unless it was closed here.</summary>
    public void OnClosed(Closed closed, ITimerScheduler timers)
    {
        if (closed.Generation != _generation || _connection is null) return;
        _connection = null; // its direct channel was withdrawn and closed by the connection's close
        log.Warning("the data channel to broker {0} closed ({1}); sending over Akka.Remote until it reconnects", brokerName, closed.Reason);
        timers.StartSingleTimer(this, QueryAgain.Instance, RetryAfter);
    }

    /// <summary>Queues <paramref name="request"/> on the open channel; the generation it went on, or 0 if none is open.</summary>
    public int TryPost(ProduceRequest request) => _connection is { } c && c.Post(request) ? _generation : 0;

    /// <summary>Sends <paramref name="request"/> for <paramref name="puller"/> on the open channel; false if none is open.</summary>
    public bool TryPostPull(PullRequest request, IActorRef puller, string pullerPath)
    {
        if (_connection is not { } connection) return false;
        _pulls.Add(request, puller, _generation);
        if (connection.Post(new PullFrame(pullerPath, request))) return true;
        _pulls.Remove(request.RequestId);
        return false;
    }

    /// <summary>Tells the pullers whose pulls were on the closed connection <paramref name="generation"/> to pull again.</summary>
    public void FailPulls(int generation, string reason) => _pulls.Fail(generation, reason);

    /// <summary>Fails the direct sends whose deadline is past <paramref name="now"/> with <paramref name="error"/>'s exception.</summary>
    public void FailOverdueDirectSends(DateTime now, Func<Exception> error) => sender.Direct?.FailOverdue(now, error);

    /// <summary>
    /// Closes the channel on purpose (the broker died, the sender stops): no new one until asked for. Its unanswered
    /// direct sends fail with <paramref name="sendError"/>, which says whether a retry can help.
    /// </summary>
    public void Close(string reason, Exception sendError)
    {
        var connection = _connection;
        _connection = null;
        if (sender.Direct is { } direct) Retire(direct, sendError);
        connection?.Close(reason);
    }

    /// <summary>Withdraws <paramref name="direct"/> from the producers and fails its unanswered sends with <paramref name="error"/>.</summary>
    private void Retire(DirectChannel direct, Exception error)
    {
        sender.Withdraw(direct);
        direct.Close(error);
    }
}
