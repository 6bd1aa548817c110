namespace Rocket.Store.Replication;

// Journal messages of replication (send them to the store actor or its journal). The journal is the log's single
// writer, so every write a replica needs runs there, in order with everything else it appends. Each answer names the
// log's end afterwards, so the caller always knows where the next append must start.

/// <summary>
/// A slave appends bytes its master read with <see cref="IReplicaLog.ReadWholeRecords"/>, at
/// <paramref name="StartOffset"/>, which must be the log's end. Every record is checked (framing, its own offset
/// field = where it lands, CRC) before anything is written; answered with <see cref="ReplicaAppended"/> (under
/// SYNC_FLUSH once the bytes are on disk) or <see cref="ReplicaAppendFailed"/>.
/// </summary>
public sealed record AppendReplica(long StartOffset, ReadOnlyMemory<byte> Bytes);

/// <summary>The bytes are in the log (on disk under SYNC_FLUSH); <paramref name="MaxOffset"/> is the log's new end.</summary>
public sealed record ReplicaAppended(long MaxOffset);

/// <summary>
/// Refused (a gap, an overlap, a bad record, the store failing: <paramref name="Error"/> names the offset and the
/// problem, and nothing was written), or under SYNC_FLUSH written but not flushed in time. <paramref name="MaxOffset"/>
/// is the log's end now: the next append starts there.
/// </summary>
public sealed record ReplicaAppendFailed(long MaxOffset, string Error);

/// <summary>
/// Records that <paramref name="Epoch"/> began at <paramref name="StartOffset"/> of the log: a new master at its log
/// end, or a slave copying its master's history once its log reaches that offset. Refused (<see cref="EpochRefused"/>)
/// unless the epoch is above the current one and the offset lies between the current epoch's start and the log's end.
/// </summary>
public sealed record BeginEpoch(long Epoch, long StartOffset);

public sealed record EpochBegun(long Epoch, long StartOffset, long MaxOffset);

public sealed record EpochRefused(long Epoch, long StartOffset, long CurrentEpoch, string Error);

/// <summary>
/// Cuts the log at <paramref name="Offset"/> (a record boundary between the log's start and end): the log, consume
/// queues, key index, queue offsets and epoch entries at or past it go. Used by an old master that returns as a slave
/// (truncate at <see cref="EpochHistory.ConsistentOffset"/>). Answered with <see cref="LogTruncated"/> or
/// <see cref="TruncateRefused"/>.
/// </summary>
public sealed record TruncateLog(long Offset);

public sealed record LogTruncated(long MaxOffset);

public sealed record TruncateRefused(long Offset, long MaxOffset, string Error);

/// <summary>
/// Empties the store (log, consume queues, key index, queue offsets, epochs) and starts its log at
/// <paramref name="Offset"/>: a slave whose master's retention removed what the slave would need next copies from the
/// master's <see cref="IReplicaLog.MinOffset"/> instead. <paramref name="Queues"/>: where the master's queues stood at
/// that offset (<see cref="IReplicaLog.QueueOffsetsAt"/>), so a queue whose every message lies before it still continues
/// at the master's offsets. Answered with <see cref="LogStartedAt"/> or <see cref="StartLogRefused"/>.
/// </summary>
public sealed record StartLogAt(long Offset, IReadOnlyList<QueueStart>? Queues = null);

public sealed record LogStartedAt(long Offset);

public sealed record StartLogRefused(long Offset, string Error);
