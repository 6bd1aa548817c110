using Akka.Actor;
using Akka.Event;
using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// A transaction producer's membership and check-backs: heartbeats its group to every live master (the list refreshed
/// from the seeds' cluster view) and to every broker it sent a half message to; answers each
/// <see cref="CheckTransactionState"/> by running the listener's check on a thread-pool thread (never on this actor's
/// thread) and sending END_TRANSACTION with the outcome back to the broker that asked.
/// </summary>
internal sealed class TransactionCheckerActor : ReceiveActor, IWithTimers
{
    public sealed record UseBroker(string Path);
    public sealed class Leave { public static readonly Leave Instance = new(); }
    public sealed class Left { public static readonly Left Instance = new(); }
    private sealed class Heartbeat { public static readonly Heartbeat Instance = new(); }
    private sealed record Masters(string[] Paths);
    private sealed record CheckDone(IActorRef Broker, CheckTransactionState Check, LocalTransactionState State, string? Error);

    /// <summary>The live masters are asked for again every this many heartbeats (brokers join and leave).</summary>
    private const int RefreshEvery = 5;

    private readonly RocketClient _client;
    private readonly string _group;
    private readonly ITransactionListener _listener;
    private readonly Action<CheckBackEnd> _ended;
    private readonly Dictionary<long, (string? MessageId, LocalTransactionState State)> _answers = new();
    private readonly HashSet<string> _brokers = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _nextRequest;
    private int _beats;

    public ITimerScheduler Timers { get; set; } = null!;

    public TransactionCheckerActor(RocketClient client, string group, ITransactionListener listener, Action<CheckBackEnd> ended)
    {
        _client = client;
        _group = group;
        _listener = listener;
        _ended = ended;
        Receive<Heartbeat>(_ => Beat());
        Receive<Masters>(m =>
        {
            foreach (var path in m.Paths)
                if (_brokers.Add(path)) SendHeartbeat(path);
        });
        Receive<UseBroker>(u =>
        {
            if (_brokers.Add(u.Path)) SendHeartbeat(u.Path);
        });
        Receive<CheckTransactionState>(OnCheck);
        Receive<CheckDone>(OnCheckDone);
        Receive<EndTransactionResult>(r =>
        {
            if (!_answers.Remove(r.RequestId, out var answer)) return;
            if (r.Status == EndTransactionStatus.Failed) _log.Warning("a broker refused the check-back answer for message {0} of producer group {1}: {2}", answer.MessageId, _group, r.Error);
            var end = new CheckBackEnd(answer.MessageId, answer.State, r.Status, r.Error);
            var ended = _ended;
            Task.Run(() => ended(end)); // the application's code never runs on this actor's thread
        });
        Receive<Leave>(_ =>
        {
            Timers.CancelAll();
            foreach (var path in _brokers) Context.ActorSelection(path).Tell(new UnregisterProducer(_client.ClientId, _group));
            Sender.Tell(Left.Instance);
            Become(() => Receive<Leave>(_ => Sender.Tell(Left.Instance)));
        });
    }

    public static Props Props(RocketClient client, string group, ITransactionListener listener, Action<CheckBackEnd> ended) =>
        Akka.Actor.Props.Create(() => new TransactionCheckerActor(client, group, listener, ended));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("heartbeat", Heartbeat.Instance, _client.Settings.HeartbeatBrokerInterval);
        RefreshMasters();
    }

    private void Beat()
    {
        foreach (var path in _brokers) SendHeartbeat(path);
        if (++_beats % RefreshEvery == 0 || _brokers.Count == 0) RefreshMasters();
    }

    private void SendHeartbeat(string path) => Context.ActorSelection(path).Tell(new ProducerHeartbeat(_client.ClientId, _group, Self));

    private void RefreshMasters()
    {
        var log = _log;
        _client.Admin.GetClusterViewAsync().ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) return new Masters(BrokerGroupRoles.Masters(t.Result.Brokers).Select(b => b.BrokerPath).ToArray());
            log.Warning("producer group {0} could not list the live brokers: {1}", _group, t.Exception?.GetBaseException().Message);
            return new Masters([]);
        }).PipeTo(Self);
    }

    private void OnCheck(CheckTransactionState check)
    {
        if (check.ProducerGroup != _group)
        {
            _log.Warning("broker {0} asked producer group {1} to check a transaction of group {2}; not answered", check.BrokerName, _group, check.ProducerGroup);
            return;
        }
        var broker = Sender;
        var listener = _listener;
        var message = new ReceivedMessage(check.Message, new MessageQueue(check.Topic, check.BrokerName, check.QueueId));
        Task.Run(() => listener.CheckLocalTransaction(message)).ContinueWith(t => t.IsCompletedSuccessfully
            ? new CheckDone(broker, check, t.Result, null)
            : new CheckDone(broker, check, LocalTransactionState.Unknown, t.Exception?.GetBaseException().Message)).PipeTo(Self);
    }

    private void OnCheckDone(CheckDone done)
    {
        if (done.Error is not null)
            _log.Warning("the transaction check of message {0} threw ({1}); answered Unknown", done.Check.MessageId, done.Error);
        _answers[++_nextRequest] = (done.Check.MessageId, done.State);
        if (_answers.Count > 100_000) _answers.Clear(); // answers from brokers that died are never coming
        done.Broker.Tell(new EndTransaction(_nextRequest, _group, done.Check.HalfPhysicalOffset, done.Check.HalfQueueOffset, done.Check.MessageId,
            TransactionProducer.ToOutcome(done.State), FromCheck: true), Self);
    }
}
