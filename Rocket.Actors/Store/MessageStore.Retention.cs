using Microsoft.Extensions.Logging;
using Rocket.Store.Health;
using Rocket.Store.Retention;

namespace Rocket.Store;

public sealed partial class MessageStore
{
    /// <summary>
    /// One retention pass (projector only, since it trims the projections it writes). Deletes commit-log
    /// segments oldest-first, never the newest: expired ones (older than file-reserved-time) at a delete-when hour or
    /// when disk usage is above disk-max-used-space-ratio; any of them above disk-space-clean-forcibly-ratio. Then
    /// trims consume queues and the key index to the new log start, and sets or clears the disk-full write block.
    /// </summary>
    public RetentionReport RunRetention()
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

        int queueFiles = 0, indexFiles = 0;
        if (segmentsDeleted > 0)
        {
            long min = CommitLog.MinOffset;
            queueFiles = ConsumeQueues.DeleteExpiredFiles(min);
            indexFiles = KeyIndex.DeleteExpiredFiles(min);
            UpdateDiskFull(_diskProbe.UsedPercent(Settings.Directory));
        }
        return new RetentionReport(used, IsDiskFull, forced, segmentsDeleted, queueFiles, indexFiles, CommitLog.MinOffset);
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
