using Akka.Actor;

namespace Rocket.Protocol;

/// <summary>How a producer ends a transaction (RocketMQ's END_TRANSACTION commit / rollback / not-yet-known).</summary>
public enum TransactionOutcome
{
    Commit = 0,
    Rollback = 1,
    /// <summary>The local transaction's outcome is not known yet: the broker checks back later.</summary>
    Unknown = 2,
}

/// <summary>
/// Producer → broker, periodically: a producer of <see cref="Group"/> is alive and can check transactions through
/// <see cref="Checker"/> (RocketMQ's producer heartbeat). Silent producers leave after the broker's consumer-expiry
/// (RocketMQ uses one channel expiry for both); a producer whose process dies leaves when death watch notices.
/// </summary>
public sealed record ProducerHeartbeat(string ClientId, string Group, IActorRef Checker) : IRocketMessage;

/// <summary>Producer → broker on shutdown: leave the group now rather than at heartbeat expiry.</summary>
public sealed record UnregisterProducer(string ClientId, string Group) : IRocketMessage;

/// <summary>
/// Producer → the broker that stored the half message (RocketMQ's END_TRANSACTION): commit, roll back, or leave it
/// for a check-back. <see cref="HalfPhysicalOffset"/> and <see cref="HalfQueueOffset"/> are where the half message is
/// stored (the send's result, or the check request's). Answered with <see cref="EndTransactionResult"/>.
/// </summary>
/// <param name="FromCheck">True when this answers a <see cref="CheckTransactionState"/>.</param>
public sealed record EndTransaction(long RequestId, string ProducerGroup, long HalfPhysicalOffset, long HalfQueueOffset,
    string? MessageId, TransactionOutcome Outcome, bool FromCheck) : IRocketMessage;

/// <summary>What the broker did with an <see cref="EndTransaction"/>.</summary>
public enum EndTransactionStatus
{
    /// <summary>The message was written to its real topic (now visible to consumers).</summary>
    Committed = 0,
    RolledBack = 1,
    /// <summary>An Unknown outcome: nothing written; the broker checks back after transaction-timeout.</summary>
    LeftForCheck = 2,
    /// <summary>The half message was already committed, rolled back or discarded (or is being): nothing written again.</summary>
    AlreadySettled = 3,
    /// <summary>Nothing was done; <see cref="EndTransactionResult.Error"/> says why.</summary>
    Failed = 4,
}

public sealed record EndTransactionResult(long RequestId, EndTransactionStatus Status, string? Error) : IRocketMessage;

/// <summary>
/// Broker → one live producer of the half message's group (RocketMQ's CHECK_TRANSACTION_STATE): run the local
/// transaction check and answer with an <see cref="EndTransaction"/> (FromCheck = true) to the sender.
/// <see cref="Message"/> is the message as it will be delivered: its real <see cref="Topic"/> / <see cref="QueueId"/>
/// restored, the broker's parking properties removed.
/// </summary>
/// <param name="CheckTimes">How often this half message has been checked, this check included.</param>
public sealed record CheckTransactionState(string BrokerName, string ProducerGroup, long HalfPhysicalOffset, long HalfQueueOffset,
    string? MessageId, int CheckTimes, string Topic, int QueueId, PulledMessage Message) : IRocketMessage;
