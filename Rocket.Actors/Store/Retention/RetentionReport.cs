namespace Rocket.Store.Retention;

/// <summary>What one retention run saw and did.</summary>
public sealed record RetentionReport(
    double DiskUsedPercent,
    bool DiskFull,
    bool Forced,
    int CommitLogSegmentsDeleted,
    int ConsumeQueueFilesDeleted,
    int IndexFilesDeleted,
    long CommitLogMinOffset);
