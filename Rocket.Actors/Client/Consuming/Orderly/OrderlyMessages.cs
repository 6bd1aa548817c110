using Rocket.Protocol;

namespace Rocket.Client.Consuming.Orderly;

/// <summary>Consumer → puller (orderly): the queue's broker lock is held until <paramref name="Until"/> (client clock); past it no batch is handed out.</summary>
internal sealed record QueueLockRenewed(DateTime Until);

/// <summary>Consumer → puller (orderly, rebalance): finish the batch in flight, then answer <see cref="QueueReleased"/> and stop.</summary>
internal sealed record ReleaseQueue;

/// <summary>Puller → consumer: nothing of the queue is in flight any more; <paramref name="Offset"/> is its consumed offset (null: it never started).</summary>
internal sealed record QueueReleased(MessageQueue Queue, long? Offset);

/// <summary>The answer to one lock round on one broker: what was asked, when, and what was granted.</summary>
internal sealed record LocksAnswered(string BrokerName, MessageQueue[] Asked, DateTime AskedAt, LockedQueue[] Granted);

/// <summary>A lock round on one broker got no answer.</summary>
internal sealed record LocksFailed(string BrokerName, MessageQueue[] Asked, Exception Error);

internal static class OrderlyTicks
{
    /// <summary>Renew every owned queue's lock (rebalance-lock-interval).</summary>
    public sealed record LockAll;
    /// <summary>Try again the assigned queues not locked yet.</summary>
    public sealed record LockMissing;
}
