namespace Rocket.Store.Log;

/// <summary>What happened to one message. Offsets are meaningful only when <see cref="Status"/> is Ok.</summary>
public readonly record struct AppendResult(
    AppendStatus Status, long QueueOffset, long PhysicalOffset, long StoreTimestamp, int Size, string? Error = null)
{
    public bool IsOk => Status == AppendStatus.Ok;
    public static AppendResult Failed(AppendStatus status, string error) => new(status, -1, -1, 0, 0, error);
}

/// <summary>Outcomes of a write; names follow RocketMQ's PutMessageStatus / response codes.</summary>
public enum AppendStatus
{
    Ok,
    /// <summary>SYNC_FLUSH: the flush did not finish within sync-flush-timeout (the bytes are in the page cache).</summary>
    FlushDiskTimeout,
    /// <summary>The flush itself failed; the write is not known to be durable.</summary>
    FlushDiskFailed,
    /// <summary>Body too large or empty, bad topic name, bad queue id.</summary>
    MessageIllegal,
    /// <summary>Encoded properties larger than max-properties-size.</summary>
    PropertiesSizeExceeded,
    /// <summary>Disk full (above disk-space-warning-level-ratio) or the store is shutting down.</summary>
    ServiceNotAvailable,
    UnknownError,
}
