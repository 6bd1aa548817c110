namespace Rocket.Store.Replication;

/// <summary>
/// One entry of a broker group's epoch history (RocketMQ 5's epoch file): the epoch that began writing at
/// <paramref name="StartOffset"/> of the commit log. Every failover starts a new epoch at the new master's log end,
/// so two replicas agree on their logs up to the start of the first epoch they hold differently.
/// </summary>
public sealed record EpochEntry(long Epoch, long StartOffset);

/// <summary>The queue offset the next message of one queue takes, at some point of the log.</summary>
public sealed record QueueStart(string Topic, int QueueId, long NextOffset);

/// <summary>
/// What replication needs from a store (<see cref="MessageStore"/> implements it). A master reads whole records of
/// its commit log; a slave appends them at the identical physical offsets, so its log is byte-identical, and builds
/// its own consume queues and key index from them. Reads may run on any thread; the writes run on the journal's
/// thread only (through <c>AppendReplica</c> / <c>TruncateLog</c>, see StoreProtocol).
/// </summary>
public interface IReplicaLog
{
    /// <summary>Bytes per commit-log segment: master and slave must agree, or a segment's end lands elsewhere.</summary>
    int SegmentSize { get; }

    long MinOffset { get; }

    long MaxOffset { get; }

    /// <summary>
    /// Copies whole records (and the blank that ends a segment) from <paramref name="from"/> into
    /// <paramref name="destination"/>: never past <paramref name="limit"/> (≤ <see cref="MaxOffset"/>), never across a
    /// segment's end, never a partial record. Returns the bytes copied; 0 when nothing whole fits or nothing is there.
    /// Throws <see cref="StoreException"/> naming the offset when <paramref name="from"/> is below
    /// <see cref="MinOffset"/> (retention removed it) or is not a record boundary.
    /// </summary>
    int ReadWholeRecords(long from, long limit, Span<byte> destination);

    /// <summary>The group's epoch history, oldest first; empty before the first epoch began.</summary>
    IReadOnlyList<EpochEntry> Epochs { get; }

    /// <summary>The newest epoch (0 when none began).</summary>
    long CurrentEpoch { get; }

    /// <summary>
    /// Where every queue stood when the log ended at <paramref name="logOffset"/> (at or above <see cref="MinOffset"/>):
    /// the queue offset its next message took. Queues at 0 are left out. Any thread. A slave that starts its log there
    /// needs it for the queues none of whose messages it will copy.
    /// </summary>
    IReadOnlyList<QueueStart> QueueOffsetsAt(long logOffset);
}
