using Rocket.Store.Index;
using Rocket.Store.Space;

namespace Rocket.Store;

/// <summary>
/// Checks at start that the store's volume can hold the files the store preallocates in full (RocketMQ's sizes are
/// kept, as a RocketMQ user expects: a 1 GiB commit-log segment, a 420 MB key-index file): one commit-log segment
/// and the next one the journal prepares ahead, one key-index file and one consume-queue file, within
/// disk-space-warning-level-ratio of the volume. A volume too small for them would start and then refuse every
/// write; instead the node refuses to start with one line naming the settings to lower and the space they need.
/// Only the volume's size counts, not what is used: a big volume that is full starts and refuses writes until
/// retention or the operator frees space (recoverable), the index settings cannot fix that.
/// </summary>
public static class StoreSizing
{
    /// <summary>Bytes the store preallocates at most at once with these settings.</summary>
    public static long PreallocatedBytes(StoreSettings s) =>
        2L * s.CommitLogSegmentSize + s.ConsumeQueueFileSize + (s.MessageIndexEnable ? IndexFileBytes(s) : 0);

    public static long IndexFileBytes(StoreSettings s) => IndexFileLayout.FileSizeFor(s.MaxHashSlotNum, s.MaxIndexNum);

    /// <summary>Throws a <see cref="StoreException"/> naming the settings when the volume is too small for them.</summary>
    public static void Check(StoreSettings s, DiskSpace volume)
    {
        if (volume.TotalBytes <= 0) return; // unknown size (e.g. a probe that does not say): nothing to compare with
        long usable = (long)(volume.TotalBytes * (s.DiskSpaceWarningLevelRatio / 100.0));
        long needed = PreallocatedBytes(s);
        if (needed <= usable) return;
        const string p = "rocket.store.";
        string index = s.MessageIndexEnable
            ? $", a {Bytes.Format(IndexFileBytes(s))} key-index file ({p}max-hash-slot-num = {s.MaxHashSlotNum} × 4 B + " +
              $"{p}max-index-num = {s.MaxIndexNum} × 20 B)"
            : "";
        throw new StoreException(
            $"the store's volume ({s.Directory}) is {Bytes.Format(volume.TotalBytes)}, of which {Bytes.Format(usable)} may be used " +
            $"({p}disk-space-warning-level-ratio = {s.DiskSpaceWarningLevelRatio}%), but the store preallocates " +
            $"{Bytes.Format(needed)}: two {Bytes.Format(s.CommitLogSegmentSize)} commit-log segments ({p}mapped-file-size-commit-log)" +
            $"{index} and a {Bytes.Format(s.ConsumeQueueFileSize)} consume-queue file ({p}mapped-file-size-consume-queue); " +
            $"lower {(s.MessageIndexEnable ? $"{p}max-index-num and {p}max-hash-slot-num (or set {p}message-index-enable = off), " : "")}" +
            $"{p}mapped-file-size-commit-log, or use a larger volume");
    }
}
