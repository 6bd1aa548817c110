using Akka.Actor;
using Akka.Event;
using Rocket.Client.Producing;
using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>
/// Sends transactional messages (RocketMQ's TransactionMQProducer): <see cref="SendMessageInTransactionAsync"/> stores a
/// half message (invisible to consumers), runs the listener's local transaction and ends the transaction with its
/// outcome. While it runs, the producer registers with every live master (heartbeats) as a member of its group, so a
/// broker can ask it to check any transaction of the group, also one another producer of the group started.
/// Dispose it (or the client) to leave the group.
/// </summary>
public sealed class TransactionProducer : IAsyncDisposable
{
    private readonly RocketClient _client;
    private readonly Producer _producer;
    private readonly ITransactionListener _listener;
    private readonly IActorRef _checker;
    private long _nextRequest;
    private int _disposed;

    internal TransactionProducer(RocketClient client, string group, ITransactionListener listener, int instance)
    {
        _client = client;
        _listener = listener;
        Group = group;
        _producer = new Producer(client, group);
        _checker = client.System.ActorOf(TransactionCheckerActor.Props(client, group, listener, end => CheckBackEnded?.Invoke(end)), $"tx-producer-{instance}");
        client.Started(this, () => DisposeAsync().AsTask());
    }

    /// <summary>The producer group; brokers ask any live producer of it to check the group's transactions.</summary>
    public string Group { get; }

    /// <summary>
    /// Raised on a thread-pool thread when a broker answered the end this producer sent after a check-back: e.g. to know
    /// when every transaction left Unknown is settled.
    /// </summary>
    public event Action<CheckBackEnd>? CheckBackEnded;

    /// <summary>
    /// Stores <paramref name="message"/> as a half message, runs <see cref="ITransactionListener.ExecuteLocalTransaction"/>
    /// with <paramref name="arg"/> (on the thread-pool thread that completed the send), and ends the transaction with the
    /// outcome (Unknown: left for a check-back).
    /// </summary>
    /// <exception cref="RocketClientException">The message is invalid (delayed or timed messages cannot be transactional).</exception>
    /// <exception cref="RocketSendException">The half message was not stored; the local transaction did not run.</exception>
    public async Task<TransactionSendResult> SendMessageInTransactionAsync(Message message, object? arg = null)
    {
        if (Volatile.Read(ref _disposed) == 1) throw new RocketClientException($"transaction producer of group '{Group}' is disposed");
        MessageValidator.Validate(message, _client.Settings.MaxMessageSize);
        if (message.DelayLevel is > 0)
            throw new RocketClientException($"a transactional message cannot be delayed (DelayLevel {message.DelayLevel}); the message for topic '{message.Topic}' was not sent");
        foreach (var name in TimedDelivery)
            if (message.UserProperties?.ContainsKey(name) == true)
                throw new RocketClientException($"a transactional message cannot be timed (property {name}); the message for topic '{message.Topic}' was not sent");

        var (send, stored, brokerPath) = await _producer.SendHalfAsync(message, Group).ConfigureAwait(false);
        _checker.Tell(new TransactionCheckerActor.UseBroker(brokerPath));

        LocalTransactionState state;
        try { state = _listener.ExecuteLocalTransaction(message, arg); }
        catch (Exception e)
        {
            _client.System.Log.Warning("the local transaction of message {0} threw ({1}); its outcome is Unknown and the broker will check it back", send.MessageId, e.Message);
            state = LocalTransactionState.Unknown;
        }

        var end = new EndTransaction(Interlocked.Increment(ref _nextRequest), Group, stored.PhysicalOffset, stored.QueueOffset, send.MessageId,
            ToOutcome(state), FromCheck: false);
        try
        {
            var answer = await _client.System.ActorSelection(brokerPath).Ask<EndTransactionResult>(end, _client.Settings.SendTimeout).ConfigureAwait(false);
            return new TransactionSendResult(send, state, answer.Status, answer.Error);
        }
        catch (Exception e)
        {
            // RocketMQ sends END_TRANSACTION one-way: a lost end is what the check-back is for.
            return new TransactionSendResult(send, state, null,
                $"broker {send.BrokerName} did not answer END_TRANSACTION within {_client.Settings.SendTimeout.TotalSeconds:0.###} s ({e.Message}); it checks the transaction back");
        }
    }

    // RocketMQ's timed-delivery properties: a half message may carry none.
    private static readonly string[] TimedDelivery = ["__STARTDELIVERTIME", "TIMER_DELIVER_MS", "TIMER_DELAY_SEC", "TIMER_DELAY_MS"];

    internal static TransactionOutcome ToOutcome(LocalTransactionState state) => state switch
    {
        LocalTransactionState.CommitMessage => TransactionOutcome.Commit,
        LocalTransactionState.RollbackMessage => TransactionOutcome.Rollback,
        _ => TransactionOutcome.Unknown,
    };

    /// <summary>Leaves the group on every broker it registered with and stops answering check-backs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _client.Stopped(this);
        try { await _checker.Ask<TransactionCheckerActor.Left>(TransactionCheckerActor.Leave.Instance, _client.Settings.SendTimeout).ConfigureAwait(false); }
        catch (Exception e) { _client.System.Log.Warning("transaction producer of group {0} did not leave its group cleanly: {1}", Group, e.Message); }
        _client.System.Stop(_checker);
    }
}
