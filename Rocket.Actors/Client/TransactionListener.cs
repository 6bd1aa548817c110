namespace Rocket.Client;

/// <summary>The outcome of a local transaction (RocketMQ's LocalTransactionState).</summary>
public enum LocalTransactionState
{
    /// <summary>The message becomes visible to consumers (once).</summary>
    CommitMessage,
    /// <summary>The message is never delivered.</summary>
    RollbackMessage,
    /// <summary>Not known yet: the broker checks back after its transaction-timeout.</summary>
    Unknown,
}

/// <summary>
/// A transaction producer's callbacks (RocketMQ's TransactionListener). <see cref="ExecuteLocalTransaction"/> runs inside
/// <see cref="TransactionProducer.SendMessageInTransactionAsync"/> once the half message is stored, on the thread-pool
/// thread that completed the send (never an actor thread), and the call waits for it;
/// <see cref="CheckLocalTransaction"/> runs on a thread-pool thread whenever a broker asks any live producer of the group
/// to check a transaction left Unknown (or whose end was lost). A callback that throws counts as Unknown.
/// </summary>
public interface ITransactionListener
{
    LocalTransactionState ExecuteLocalTransaction(Message message, object? arg);

    LocalTransactionState CheckLocalTransaction(ReceivedMessage message);
}

/// <summary>
/// The result of <see cref="TransactionProducer.SendMessageInTransactionAsync"/>: where the half message was stored,
/// what the local transaction returned, and what the broker did with the end of the transaction.
/// </summary>
/// <param name="Send">The half message's send result (its queue is the real topic's queue).</param>
/// <param name="LocalState">What <see cref="ITransactionListener.ExecuteLocalTransaction"/> returned (Unknown if it threw).</param>
/// <param name="EndStatus">The broker's answer to END_TRANSACTION, or null when none came (the check-back settles it).</param>
/// <param name="EndError">Why the end failed or got no answer, else null.</param>
public sealed record TransactionSendResult(SendResult Send, LocalTransactionState LocalState, Rocket.Protocol.EndTransactionStatus? EndStatus, string? EndError);

/// <summary>
/// A broker's answer to the end a producer sent after a check-back (<see cref="TransactionProducer.CheckBackEnded"/>).
/// </summary>
/// <param name="MessageId">The checked message's id (UNIQ_KEY).</param>
/// <param name="State">What <see cref="ITransactionListener.CheckLocalTransaction"/> returned (Unknown if it threw).</param>
/// <param name="Status">What the broker did.</param>
public sealed record CheckBackEnd(string? MessageId, LocalTransactionState State, Rocket.Protocol.EndTransactionStatus Status, string? Error);
