using Microsoft.Extensions.Logging;
using Rocket.Store.Health;
using Rocket.Store.Projection;
using Rocket.Store.Retention;

namespace Rocket.Store;

public sealed partial class MessageStore
{
    /// <summary>
    /// One whole retention pass on the calling thread (a store run without actors). The actors split it in three
    /// (<see cref="RetentionActor"/>): <see cref="DeleteExpiredSegments"/> and <see cref="FinishRetention"/> on the
    /// retention thread, <see cref="DetachExpiredProjectionFiles"/> on the projector's.
    /// </summary>
    public RetentionReport RunRetention()
    {
        var segments = DeleteExpiredSegments();
        var expired = new ExpiredProjectionFiles();
        if (segments.Deleted > 0) DetachExpiredProjectionFiles(expired);
        return FinishRetention(segments, expired);
    }

    /// <summary>
    /// Retention's first step (retention thread: unlinking a 1 GiB segment whose pages are cached took 0.2 s here).
    /// Sets or clears the disk-full write block, then deletes commit-log segments oldest-first, never the newest:
    /// expired ones (older than file-reserved-time) at a delete-when hour or when disk usage is above
    /// disk-max-used-space-ratio; any of them above disk-space-clean-forcibly-ratio. Never one the projections have
    /// not passed yet.
    /// </summary>
    public CommitLogRetention DeleteExpiredSegments()
    {
        var now = _time.GetUtcNow();
        double used = _diskProbe.UsedPercent(Settings.Directory);
        UpdateDiskFull(used);

        bool atDeleteHour = Settings.DeleteWhenHours.Contains(TimeZoneInfo.ConvertTime(now, _time.LocalTimeZone).Hour);
        bool spaceLow = used > Settings.DiskMaxUsedSpaceRatio;
        bool forced = used > Settings.DiskSpaceCleanForciblyRatio;
        int segmentsDeleted = 0;
        if (atDeleteHour || spaceLow || forced)
        {
            var reserved = TimeSpan.FromHours(Settings.FileReservedHours);
            while (segmentsDeleted < Settings.DeleteFileBatchMax)
            {
                var segments = CommitLog.Segments.Segments;
                if (segments.Count <= 1) break;
                var oldest = segments[0];
                bool expired = File.GetLastWriteTimeUtc(oldest.FilePath) + reserved < now.UtcDateTime;
                if (!expired && !forced) break; // oldest-first with no holes: stop at the first keeper
                if (oldest.EndOffset > ProjectedOffset) break; // never drop what the projections have not seen
                CommitLog.Segments.DeleteFirst(out _);
                segmentsDeleted++;
                _log.LogInformation("Retention deleted commit-log segment {File} ({Reason})",
                    Path.GetFileName(oldest.FilePath), expired ? "expired" : $"disk {used:F1}% used");
                if (forced && !expired)
                {
                    used = _diskProbe.UsedPercent(Settings.Directory);
                    forced = used > Settings.DiskSpaceCleanForciblyRatio;
                }
            }
        }
        return new CommitLogRetention(used, forced, segmentsDeleted);
    }

    /// <summary>
    /// Retention's second step, after segments went (projector thread, the projections' single writer): takes the
    /// consume-queue and key-index files whose messages all lie below the new log start out of the projections, into
    /// <paramref name="expired"/> (filled as it goes, so a failure part-way still hands over what left).
    /// </summary>
    internal void DetachExpiredProjectionFiles(ExpiredProjectionFiles expired)
    {
        long min = CommitLog.MinOffset;
        ConsumeQueues.DetachExpiredFiles(min, expired.QueueFiles);
        expired.IndexFiles.AddRange(KeyIndex.DetachExpiredFiles(min));
    }

    /// <summary>Retention's last step (retention thread): deletes the detached files and reports the pass.</summary>
    internal RetentionReport FinishRetention(CommitLogRetention segments, ExpiredProjectionFiles expired)
    {
        expired.Delete();
        if (segments.Deleted + expired.QueueFiles.Count + expired.IndexFiles.Count > 0)
            UpdateDiskFull(_diskProbe.UsedPercent(Settings.Directory));
        return new RetentionReport(segments.UsedPercent, IsDiskFull, segments.Forced, segments.Deleted, expired.QueueFiles.Count,
            expired.IndexFiles.Count, CommitLog.MinOffset);
    }

    /// <summary>Blocks writes above disk-space-warning-level-ratio, with a message that says why and when they resume.</summary>
    public void UpdateDiskFull(double usedPercent)
    {
        if (usedPercent > Settings.DiskSpaceWarningLevelRatio)
        {
            string reason = $"disk full: the store's file system is {usedPercent:F1}% used, above " +
                            $"rocket.store.disk-space-warning-level-ratio = {Settings.DiskSpaceWarningLevelRatio}%; " +
                            "writes resume once usage falls below it";
            if (Health.Fail(StoreComponent.Disk, reason)) _log.LogError("Store {Dir}: {Reason}", Settings.Directory, reason);
        }
        else if (Health.Clear(StoreComponent.Disk))
            _log.LogWarning("Store {Dir}: disk usage {Used:F1}% is back below the limit; accepting writes", Settings.Directory, usedPercent);
    }
}
