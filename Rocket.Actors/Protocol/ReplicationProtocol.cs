namespace Rocket.Protocol;

/// <summary>
/// Slave → master (the master's <c>/user/broker/replication</c>): start streaming me your commit log. The master
/// checks the segment size and the epoch histories and answers <see cref="ReplicaWelcome"/> or <see cref="ReplicaRefused"/>.
/// </summary>
/// <param name="Epochs">The slave's epoch history, oldest first, as (epoch, start offset) pairs.</param>
public sealed record ReplicaHello(string BrokerName, long BrokerId, long SessionId, ReplicaEpoch[] Epochs, long MaxOffset,
    int SegmentSize) : IRocketMessage;

/// <summary>One entry of an epoch history as it travels between brokers (the store's EpochEntry).</summary>
public sealed record ReplicaEpoch(long Epoch, long StartOffset);

/// <summary>
/// Master → slave: chunks follow from <paramref name="StartOffset"/>. Below the slave's own end it must first cut its
/// log there (its tail diverged from the master's history); above it, the slave was behind the master's oldest
/// byte and its log restarts there, its queues at <paramref name="QueueStarts"/> (where the master's queues stood at
/// that offset; queues at 0 left out).
/// </summary>
public sealed record ReplicaWelcome(long SessionId, long MasterBrokerId, long StartOffset, long MasterMaxOffset,
    ReplicaEpoch[] Epochs, ReplicaQueueStart[]? QueueStarts = null) : IRocketMessage;

/// <summary>The queue offset the next message of one queue takes at a welcome's start offset (the store's QueueStart).</summary>
public sealed record ReplicaQueueStart(string Topic, int QueueId, long NextOffset);

/// <summary>Master → slave: this session is refused or ended; <paramref name="Reason"/> says why (both sides log it).</summary>
public sealed record ReplicaRefused(long SessionId, string Reason) : IRocketMessage;

/// <summary>
/// Master → slave: whole commit-log records starting at <paramref name="StartOffset"/> (the master's physical
/// offset; the slave appends them at the same one). Empty <paramref name="Bytes"/> is the idle heartbeat.
/// <paramref name="MasterMaxOffset"/> lets the slave report its lag. Hand-written codec (ReplicationCodecs).
/// </summary>
public sealed record ReplicaChunk(long SessionId, long StartOffset, long MasterMaxOffset, byte[] Bytes) : IRocketWire;

/// <summary>
/// Slave → master: my log ends at <paramref name="MaxOffset"/> (every byte below it is written). Sent after each
/// appended chunk and every ha-send-heartbeat-interval. Hand-written codec (ReplicationCodecs).
/// </summary>
public sealed record ReplicaAck(long SessionId, long BrokerId, long MaxOffset) : IRocketWire;

/// <summary>Slave → its master's broker actor, every ha-metadata-sync-interval: send me what a consumer needs (answered with <see cref="ReplicaMetadata"/>).</summary>
public sealed record GetReplicaMetadata(string BrokerName, long BrokerId) : IRocketMessage;

/// <summary>
/// The master's topic configs and every group's consumer offsets (the delay levels' progress included: the schedule
/// keeps it as offsets of its own group), and its timer service's progress (null: it runs none), for a slave to hold
/// the same. The slave's topic set becomes the master's: topics the master no longer has are deleted on the slave.
/// </summary>
public sealed record ReplicaMetadata(string BrokerName, TopicConfig[] Topics, ReplicaOffset[] Offsets,
    ReplicaTimerProgress? Timer = null) : IRocketMessage;

public sealed record ReplicaOffset(string Group, string Topic, int QueueId, long Offset);

/// <summary>
/// Where a master's timer service stands, for a slave that may take over (stored in the slave's
/// <c>{store}/timer/handover</c>): a timer parked at a timer-queue offset below <paramref name="EnqueueOffset"/>, due
/// before <paramref name="DeliveredBeforeMs"/> and stored before commit-log offset <paramref name="LateFromLogOffset"/>
/// was delivered and acknowledged; every other parked timer is not known to be delivered.
/// </summary>
/// <param name="EnqueueOffset">Next timer-queue offset the master had not yet read into its wheel.</param>
/// <param name="DeliveredBeforeMs">Start of the first wheel slot with a timer not yet acknowledged (epoch ms).</param>
/// <param name="LateFromLogOffset">Smallest commit-log offset of a timer read after its slot was taken and not yet
/// acknowledged (those are filed under a later slot than their due time); <see cref="long.MaxValue"/> when none.</param>
public sealed record ReplicaTimerProgress(long EnqueueOffset, long DeliveredBeforeMs, long LateFromLogOffset);
