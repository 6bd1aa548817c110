namespace Rocket.Protocol;

/// <summary>One queue of a broker, as lock requests name it (the broker is the one asked).</summary>
public readonly record struct LockedQueue(string Topic, int QueueId);

/// <summary>
/// Consumer → master broker (RocketMQ's LOCK_BATCH_MQ): lock these queues for <paramref name="ClientId"/> in
/// <paramref name="Group"/>, or renew its locks. A queue is granted when its lock is free, expired
/// (rocket.broker.rebalance-lock-max-live-time without renewal) or already held by this client.
/// Answered with <see cref="LockBatchResult"/>.
/// </summary>
public sealed record LockBatchRequest(string Group, string ClientId, LockedQueue[] Queues) : IRocketMessage;

/// <summary>The queues of a <see cref="LockBatchRequest"/> the client now holds (the others are held by another client).</summary>
public sealed record LockBatchResult(string Group, LockedQueue[] Locked) : IRocketMessage;

/// <summary>
/// Consumer → master broker (RocketMQ's UNLOCK_BATCH_MQ): release these queues; a queue held by another client is left
/// alone. Answered with <see cref="UnlockBatchResult"/>.
/// </summary>
public sealed record UnlockBatchRequest(string Group, string ClientId, LockedQueue[] Queues) : IRocketMessage;

/// <summary>The queues an <see cref="UnlockBatchRequest"/> released (those the client held).</summary>
public sealed record UnlockBatchResult(string Group, LockedQueue[] Unlocked) : IRocketMessage;
