using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rocket.Store.Format;
using Rocket.Store.Index;
using Rocket.Store.Log;
using Rocket.Store.Queue;
using Rocket.Store.Recovery;
using Rocket.Store.Health;
using Rocket.Store.Space;

namespace Rocket.Store;

/// <summary>
/// One node's store: the commit log plus its projections (consume queues, key index), checkpoint, lock and abort
/// files. It is not an actor; the store actors drive it, each part from one thread:
/// <list type="bullet">
/// <item><see cref="Append"/>: the journal actor only (single writer of the log).</item>
/// <item><see cref="FlushLog"/>, <see cref="FlushProjections"/>: the flush actor only (the one that may block).</item>
/// <item><see cref="Project"/>, <see cref="DetachExpiredProjectionFiles"/>: the projector only (single writer of the projections).</item>
/// <item><see cref="DeleteExpiredSegments"/>, <see cref="FinishRetention"/>: the retention actor only (file deletion is slow).</item>
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
    private volatile bool _closed;

    private MessageStore(StoreSettings settings, StoreLock storeLock, IDiskUsageProbe diskProbe, ILogger log, TimeProvider time)
    {
        Settings = settings;
        _lock = storeLock;
        _diskProbe = diskProbe;
        _log = log;
        _time = time;
        var guard = new StoreSpaceGuard(settings.Directory, settings.DiskSpaceWarningLevelRatio, diskProbe);
        CommitLog = new CommitLog(settings.CommitLogDirectory, settings.CommitLogSegmentSize,
            new MessageLimits(settings.MaxMessageSize, settings.MaxPropertiesSize), guard);
        ConsumeQueues = new ConsumeQueueStore(settings.ConsumeQueueDirectory, settings.ConsumeQueueFileSize, guard);
        KeyIndex = new KeyIndex(settings.IndexDirectory, settings.MaxHashSlotNum, settings.MaxIndexNum, guard);
    }

    /// <summary>Whether the store can do its work; while it cannot, <see cref="Append"/> refuses every message.</summary>
    public StoreHealth Health { get; } = new();

    /// <summary>Messages appended and delivered per second (admin figures).</summary>
    public Stats.StoreStats Stats { get; } = new();

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

    public bool IsDiskFull => Health.ProblemOf(StoreComponent.Disk) is not null;

    /// <summary>
    /// Locks the store directory, loads every file and recovers: after a crash the log tail is validated by CRC
    /// from the checkpoint, the first torn or corrupt record and everything after it are cut, and the projections
    /// are rebuilt to match.
    /// </summary>
    public static MessageStore Open(StoreSettings settings, IDiskUsageProbe? diskProbe = null, ILogger? logger = null,
        TimeProvider? time = null)
    {
        Directory.CreateDirectory(settings.Directory);
        diskProbe ??= DriveUsageProbe.Instance;
        StoreSizing.Check(settings, diskProbe.Measure(settings.Directory)); // before any file is created
        var storeLock = StoreLock.Acquire(settings.LockPath);
        MessageStore? store = null;
        try
        {
            store = new MessageStore(settings, storeLock, diskProbe,
                logger ?? NullLogger.Instance, time ?? TimeProvider.System);
            store.Recover();
            store.OpenEpochs();
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
        if (_closed || Health.Problem is not null)
        {
            var failure = AppendResult.Failed(AppendStatus.ServiceNotAvailable,
                _closed ? "the store is shut down" : RefusalFor(Health.Problem!));
            results[..batch.Length].Fill(failure);
            return CommitLog.MaxOffset;
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long timestamp = _lastStoreTimestamp = Math.Max(now, _lastStoreTimestamp); // never decreases along the log
        CommitLog.Append(batch, results, _queueOffsets, timestamp);
        // Messages before a failed roll were written and are acknowledged; the rest were refused. From then on every
        // write is refused until the journal actor's retry creates the segment (it logs the change).
        if (CommitLog.TakeAppendFailure() is { } failed)
        {
            Health.Fail(StoreComponent.Journal, $"journal: {failed.Message}");
            var refusal = AppendResult.Failed(AppendStatus.ServiceNotAvailable, RefusalFor(Health.Problem ?? failed.Message));
            for (int i = 0; i < batch.Length; i++)
                if (results[i].Status == AppendStatus.ServiceNotAvailable) results[i] = refusal; // the same words as every later refusal
        }
        return CommitLog.MaxOffset;
    }

    /// <summary>The error every refused write gets while the store is failing: what is wrong, and that nothing is accepted.</summary>
    private string RefusalFor(string problem) => $"store {Settings.Directory} cannot write: {problem}; not accepting messages";

    /// <summary>
    /// The journal's retry after it failed (journal thread only): creates the segment the failed roll needed.
    /// Returns true once the journal can append again (and clears its problem); false, with the problem updated, if not.
    /// </summary>
    public bool RetryJournal()
    {
        try
        {
            CommitLog.EnsureWritable();
        }
        catch (StoreException e)
        {
            Health.Fail(StoreComponent.Journal, $"journal: {e.Message}");
            return false;
        }
        Health.Clear(StoreComponent.Journal);
        return true;
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
        long logFlushed = Math.Min(CommitLog.FlushedOffset, Volatile.Read(ref _checkpointCap)); // a replica truncation caps it
        // Recovery re-projects from here (idempotently), so it may only cover what a thorough flush made durable.
        lock (_checkpointLock) // a replica's truncation writes it from the projector's thread (MessageStore.Replication)
            new Checkpoint(logFlushed, Math.Min(Volatile.Read(ref _projectionsFlushedOffset), logFlushed), Volatile.Read(ref _lastStoreTimestamp))
                .Write(Settings.CheckpointPath);
    }

    private long _projectionsFlushedOffset; // projected offset covered by the last thorough projection flush

    /// <summary>
    /// Unmaps the store's cold pages from this process (flush actor only; see <c>rocket.store.resident-commit-log-tail</c>):
    /// the broker's resident memory then stays flat however much it writes or reads, while the data stays in the page
    /// cache. Kept mapped: the commit log's last <see cref="StoreSettings.ResidentCommitLogTail"/> bytes (tailing
    /// consumers read there) and the pages ahead of the writer, and the page being filled in each consume queue and
    /// index file.
    /// </summary>
    public void ReleaseColdPages()
    {
        if (Settings.ResidentCommitLogTail < 0) return; // off
        CommitLog.ReleasePagesBelow(CommitLog.MaxOffset - Settings.ResidentCommitLogTail);
        ConsumeQueues.ReleaseColdPages(ProjectionTailBytes);
        KeyIndex.ReleaseColdPages(ProjectionTailBytes);
    }

    /// <summary>How much of each consume queue's and index file's written end stays mapped: the projector's next writes.</summary>
    private const int ProjectionTailBytes = 64 << 10;

    /// <summary>
    /// Clean shutdown: flushes everything, writes the final checkpoint and removes the abort file, so the next
    /// start skips crash recovery. Callers must have stopped the store actors first.
    /// </summary>
    public void Shutdown()
    {
        if (_closed) return;
        _closed = true;
        long end = CommitLog.MaxOffset;
        try
        {
            try
            {
                CommitLog.Flush(end);
            }
            catch (Exception e)
            {
                // The log is not known to be on disk: keep the abort file so the next start validates it (crash recovery).
                _log.LogError(e, "Store {Dir}: the final commit-log flush failed ({Reason}); the abort file stays and the next start runs crash recovery",
                    Settings.Directory, e.Message);
                return;
            }
            try
            {
                Project(end);
            }
            catch (Exception e)
            {
                // The log itself is on disk and the checkpoint only covers what was projected and flushed, so the next
                // start re-projects the rest from the log: nothing acknowledged is lost.
                _log.LogWarning("Store {Dir}: projection stopped at offset {Projected} of {End} at shutdown ({Reason}); the next start rebuilds the rest from the log",
                    Settings.Directory, ProjectedOffset, end, e.Message);
            }
            try
            {
                FlushProjections(thorough: true);
            }
            catch (Exception e)
            {
                _log.LogError(e, "Store {Dir}: flushing consume queues, key index or checkpoint failed at shutdown ({Reason}); the abort file stays and the next start runs crash recovery",
                    Settings.Directory, e.Message);
                return;
            }
            File.Delete(Settings.AbortPath);
            _log.LogInformation("Store {Dir} shut down cleanly at offset {Offset}", Settings.Directory, end);
        }
        finally
        {
            DisposeFiles();
            _lock.Dispose();
        }
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
