namespace Rocket.Protocol;

/// <summary>One message as a producer sends it. The producer picks the queue; the broker assigns offsets.</summary>
public sealed record WireMessage(string Topic, int QueueId, byte[] Body, string? Properties, int Flag, long BornTimestamp);

/// <summary>
/// Messages for one broker: one send's (a direct send on the data channel), or the client's broker sender's coalescing
/// of every send issued while earlier requests to that broker were in flight. Answered with one <see cref="ProduceResponse"/>.
/// </summary>
public sealed record ProduceRequest(long RequestId, WireMessage[] Messages) : IRocketWire;

/// <summary>Per-message results of a <see cref="ProduceRequest"/>, in its order.</summary>
public sealed record ProduceResponse(long RequestId, ProduceResult[] Results) : IRocketWire;

public readonly record struct ProduceResult(ProduceStatus Status, int QueueId, long QueueOffset, long PhysicalOffset, long StoreTimestamp, string? Error)
{
    public bool IsOk => Status == ProduceStatus.Ok;
}

/// <summary>RocketMQ's send statuses plus the errors that make a send fail.</summary>
public enum ProduceStatus
{
    Ok = 0,
    /// <summary>Stored, but SYNC_FLUSH did not finish in time (RocketMQ: FLUSH_DISK_TIMEOUT).</summary>
    FlushDiskTimeout = 1,
    /// <summary>Stored, but the sync slave did not confirm in time (RocketMQ: FLUSH_SLAVE_TIMEOUT).</summary>
    FlushSlaveTimeout = 2,
    /// <summary>Stored, but no slave is available for SYNC_MASTER (RocketMQ: SLAVE_NOT_AVAILABLE).</summary>
    SlaveNotAvailable = 3,
    TopicNotExist = 10,
    NoPermission = 11,
    MessageIllegal = 12,
    ServiceNotAvailable = 13,
    FlushDiskFailed = 14,
    QueueIdIllegal = 15,
    UnknownError = 19,
}
