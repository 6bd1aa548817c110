using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rocket.Store.Format;
using Rocket.Store.Index;
using Rocket.Store.Log;
using Rocket.Store.Queue;
using Rocket.Store.Recovery;
using Rocket.Store.Retention;

namespace Rocket.Store;

/// <summary>
/// One node's store: the commit log plus its projections (consume queues, key index), checkpoint, lock and abort
/// files. It is not an actor; the store actors drive it, each part from one thread:
/// <list type="bullet">
/// <item><see cref="Append"/>: the journal actor only (single writer of the log).</item>
/// <item><see cref="FlushLog"/>, <see cref="FlushProjections"/>: the flush actor only (the one that may block).</item>
/// <item><see cref="Project"/>, <see cref="RunRetention"/>: the projector only (single writer of the projections).</item>
/// <item>Reads (<see cref="GetMessages"/>, <see cref="ReadMessage"/>, …): any thread, never through a mailbox.</item>
/// </list>
/// </summary>
public sealed partial class MessageStore : IDisposable
{
    private readonly StoreLock _lock;
    private readonly QueueOffsetTable _queueOffsets = new();
    private readonly IDiskUsageProbe _diskProbe;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private long _lastStoreTimestamp;
    private long _projectedOffset;
    private volatile bool _diskFull;
    private volatile string? _diskFullReason;
    private volatile bool _closed;

    private MessageStore(StoreSettings settings, StoreLock storeLock, IDiskUsageProbe diskProbe, ILogger log, TimeProvider time)
    {
        Settings = settings;
        _lock = storeLock;
        _diskProbe = diskProbe;
        _log = log;
        _time = time;
        CommitLog = new CommitLog(settings.CommitLogDirectory, settings.CommitLogSegmentSize,
            new MessageLimits(settings.MaxMessageSize, settings.MaxPropertiesSize));
        ConsumeQueues = new ConsumeQueueStore(settings.ConsumeQueueDirectory, settings.ConsumeQueueFileSize);
        KeyIndex = new KeyIndex(settings.IndexDirectory, settings.MaxHashSlotNum, settings.MaxIndexNum);
    }

    public StoreSettings Settings { get; }
    public CommitLog CommitLog { get; }
    public ConsumeQueueStore ConsumeQueues { get; }
    public KeyIndex KeyIndex { get; }

    /// <summary>What recovery found when the store was opened.</summary>
    public RecoveryReport Recovery { get; private set; } = null!;

    /// <summary>Log offset up to which consume queues and the key index are built.</summary>
    public long ProjectedOffset => Volatile.Read(ref _projectedOffset);

    /// <summary>How far projection may go: under SYNC_FLUSH consumers never see bytes that are not on disk yet.</summary>
    public long ProjectionLimit => Settings.FlushDiskType == FlushDiskType.SyncFlush ? CommitLog.FlushedOffset : CommitLog.MaxOffset;

    public bool IsDiskFull => _diskFull;

    /// <summary>
    /// Locks the store directory, loads every file and recovers: after a crash the log tail is validated by CRC
    /// from the checkpoint, the first torn or corrupt record and everything after it are cut, and the projections
    /// are rebuilt to match.
    /// </summary>
    public static MessageStore Open(StoreSettings settings, IDiskUsageProbe? diskProbe = null, ILogger? logger = null,
        TimeProvider? time = null)
    {
        Directory.CreateDirectory(settings.Directory);
        var storeLock = StoreLock.Acquire(settings.LockPath);
        MessageStore? store = null;
        try
        {
            store = new MessageStore(settings, storeLock, diskProbe ?? DriveUsageProbe.Instance,
                logger ?? NullLogger.Instance, time ?? TimeProvider.System);
            store.Recover();
            return store;
        }
        catch
        {
            if (store is not null) store.DisposeFiles();
            storeLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends a batch (journal thread only). Each message gets its own result; a rejected message writes nothing.
    /// Returns the log's end offset after the batch, which the flush policy waits on.
    /// </summary>
    public long Append(ReadOnlySpan<MessageToStore> batch, Span<AppendResult> results)
    {
        if (_closed || _diskFull)
        {
            var failure = AppendResult.Failed(AppendStatus.ServiceNotAvailable,
                _closed ? "the store is shut down" : _diskFullReason ?? "disk full");
            results[..batch.Length].Fill(failure);
            return CommitLog.MaxOffset;
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long timestamp = _lastStoreTimestamp = Math.Max(now, _lastStoreTimestamp); // never decreases along the log
        CommitLog.Append(batch, results, _queueOffsets, timestamp);
        return CommitLog.MaxOffset;
    }

    /// <summary>Next queue offset the journal will assign (journal thread only).</summary>
    public long NextQueueOffset(string topic, int queueId) => _queueOffsets.Peek(topic, queueId);

    /// <summary>Flushes the log up to <paramref name="upTo"/> (flush actor only); returns the flushed end.</summary>
    public long FlushLog(long upTo) => CommitLog.Flush(upTo);

    /// <summary>
    /// Flushes consume queues (and, when <paramref name="thorough"/>, the key index), then records a checkpoint.
    /// Called by the flush actor, and by open and shutdown while no store actor runs.
    /// </summary>
    public void FlushProjections(bool thorough = true)
    {
        if (thorough)
        {
            long projected = ProjectedOffset; // everything below this is in the projections' memory now
            ConsumeQueues.Flush();
            KeyIndex.Flush();
            Volatile.Write(ref _projectionsFlushedOffset, projected);
        }
        else ConsumeQueues.Flush(wholePagesOnly: true); // see flush-interval-consume-queue: no write-protect stalls
        long logFlushed = CommitLog.FlushedOffset;
        // Recovery re-projects from here (idempotently), so it may only cover what a thorough flush made durable.
        new Checkpoint(logFlushed, Math.Min(Volatile.Read(ref _projectionsFlushedOffset), logFlushed), Volatile.Read(ref _lastStoreTimestamp))
            .Write(Settings.CheckpointPath);
    }

    private long _projectionsFlushedOffset; // projected offset covered by the last thorough projection flush

    /// <summary>
    /// Clean shutdown: flushes everything, writes the final checkpoint and removes the abort file, so the next
    /// start skips crash recovery. Callers must have stopped the store actors first.
    /// </summary>
    public void Shutdown()
    {
        if (_closed) return;
        _closed = true;
        long end = CommitLog.MaxOffset;
        CommitLog.Flush(end);
        Project(end);
        FlushProjections(thorough: true);
        File.Delete(Settings.AbortPath);
        _log.LogInformation("Store {Dir} shut down cleanly at offset {Offset}", Settings.Directory, end);
        DisposeFiles();
        _lock.Dispose();
    }

    /// <summary>Closes files without the clean-shutdown steps: the next open runs crash recovery.</summary>
    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        DisposeFiles();
        _lock.Dispose();
    }

    private void DisposeFiles()
    {
        CommitLog.Dispose();
        ConsumeQueues.Dispose();
        KeyIndex.Dispose();
    }
}
