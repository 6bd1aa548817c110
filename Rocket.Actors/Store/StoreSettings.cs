using Akka.Configuration;
using Rocket.Settings;

namespace Rocket.Store;

public enum FlushDiskType { AsyncFlush, SyncFlush }

/// <summary>Settings of one node's store, read from <c>rocket.store</c>. Validation errors name the key.</summary>
public sealed record StoreSettings
{
    public required string Directory { get; init; }
    public int CommitLogSegmentSize { get; init; } = 1 << 30;
    public int ConsumeQueueFileSize { get; init; } = 300_000 * 20;
    public FlushDiskType FlushDiskType { get; init; } = FlushDiskType.AsyncFlush;
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(500);
    public int FlushLeastPages { get; init; } = 4;
    public TimeSpan FlushThoroughInterval { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan SyncFlushTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan FlushConsumeQueueInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan FlushConsumeQueueThoroughInterval { get; init; } = TimeSpan.FromSeconds(60);
    public bool CheckCrcOnRecover { get; init; } = true;
    /// <summary>Bytes below the commit log's end kept mapped by <see cref="MessageStore.ReleaseColdPages"/>; negative: release nothing.</summary>
    public long ResidentCommitLogTail { get; init; } = 16 << 20;
    public int MaxMessageSize { get; init; } = 4 * 1024 * 1024;
    public int MaxPropertiesSize { get; init; } = short.MaxValue;
    public int FileReservedHours { get; init; } = 72;
    public IReadOnlySet<int> DeleteWhenHours { get; init; } = new HashSet<int> { 4 };
    public int DiskMaxUsedSpaceRatio { get; init; } = 75;
    public int DiskSpaceCleanForciblyRatio { get; init; } = 85;
    public int DiskSpaceWarningLevelRatio { get; init; } = 90;
    public TimeSpan CleanResourceInterval { get; init; } = TimeSpan.FromSeconds(10);
    public int DeleteFileBatchMax { get; init; } = 10;
    public bool MessageIndexEnable { get; init; } = true;
    public int MaxHashSlotNum { get; init; } = 5_000_000;
    public int MaxIndexNum { get; init; } = 20_000_000;
    public int MaxMsgsNumBatch { get; init; } = 64;
    public string JournalDispatcher { get; init; } = "rocket.store.journal-thread";
    public string FlushDispatcher { get; init; } = "rocket.store.flush-thread";
    public string ProjectorDispatcher { get; init; } = "akka.actor.default-dispatcher";
    public string RetentionDispatcher { get; init; } = "rocket.store.retention-thread";

    /// <summary>
    /// The delay of each delay level in ms, level 1 first (the broker's <c>rocket.broker.message-delay-level</c>, set by
    /// the broker host). The projector writes store time + the level's delay as the tag code of each schedule-topic
    /// entry (its deliver time, as RocketMQ does); a level beyond this list gets the store time (due at once).
    /// </summary>
    public IReadOnlyList<long> ScheduleDelaysMs { get; init; } = [];

    public string CommitLogDirectory => Path.Combine(Directory, "commitlog");
    public string ConsumeQueueDirectory => Path.Combine(Directory, "consumequeue");
    public string IndexDirectory => Path.Combine(Directory, "index");
    public string CheckpointPath => Path.Combine(Directory, "checkpoint");
    public string AbortPath => Path.Combine(Directory, "abort");
    public string LockPath => Path.Combine(Directory, "lock");

    private static readonly (string Old, string Now)[] RenamedKeys =
        [("dispatch-dispatcher", "projector-dispatcher"), ("dispatch-thread", "projector-thread")];

    /// <summary>Reads <c>rocket.store</c> from <paramref name="config"/> (falling back to the reference defaults).</summary>
    public static StoreSettings FromConfig(Config config)
    {
        const string p = "rocket.store.";
        // A key set under its old name would otherwise be silently ignored.
        foreach (var (old, now) in RenamedKeys)
            if (config.HasPath(p + old)) throw new ConfigurationException($"{p}{old} was renamed {p}{now}");
        var root = RocketConfig.WithReference(config);
        var r = new SettingsReader(root.GetConfig("rocket.store"), p, root);
        var s = new StoreSettings
        {
            Directory = r.Text("dir"),
            CommitLogSegmentSize = r.Bytes("mapped-file-size-commit-log", min: 4096, max: int.MaxValue),
            ConsumeQueueFileSize = r.Bytes("mapped-file-size-consume-queue", min: 20, max: int.MaxValue),
            FlushDiskType = ParseFlushType(r.Text("flush-disk-type")),
            FlushInterval = r.Duration("flush-interval-commit-log"),
            FlushLeastPages = r.Int("flush-commit-log-least-pages", 0, int.MaxValue),
            FlushThoroughInterval = r.Duration("flush-commit-log-thorough-interval"),
            SyncFlushTimeout = r.Duration("sync-flush-timeout"),
            FlushConsumeQueueInterval = r.Duration("flush-interval-consume-queue"),
            FlushConsumeQueueThoroughInterval = r.Duration("flush-consume-queue-thorough-interval"),
            CheckCrcOnRecover = r.Bool("check-crc-on-recover"),
            ResidentCommitLogTail = r.Bool("release-cold-pages") ? r.Bytes("resident-commit-log-tail", min: 0, max: int.MaxValue) : -1,
            MaxMessageSize = r.Bytes("max-message-size", min: 1, max: 64 * 1024 * 1024),
            MaxPropertiesSize = r.Int("max-properties-size", 0, short.MaxValue),
            FileReservedHours = r.Int("file-reserved-time", 0, 100_000),
            DeleteWhenHours = ParseHours(r.TextOrEmpty("delete-when")),
            DiskMaxUsedSpaceRatio = r.Int("disk-max-used-space-ratio", 10, 95),
            DiskSpaceCleanForciblyRatio = r.Int("disk-space-clean-forcibly-ratio", 10, 99),
            DiskSpaceWarningLevelRatio = r.Int("disk-space-warning-level-ratio", 10, 99),
            CleanResourceInterval = r.Duration("clean-resource-interval"),
            DeleteFileBatchMax = r.Int("delete-file-batch-max", 1, 1000),
            MessageIndexEnable = r.Bool("message-index-enable"),
            MaxHashSlotNum = r.Int("max-hash-slot-num", 1, 50_000_000),
            MaxIndexNum = r.Int("max-index-num", 1, 100_000_000),
            MaxMsgsNumBatch = r.Int("max-msgs-num-batch", 1, 10_000),
            JournalDispatcher = r.Dispatcher("journal-dispatcher"),
            FlushDispatcher = r.Dispatcher("flush-dispatcher"),
            ProjectorDispatcher = r.Dispatcher("projector-dispatcher"),
            RetentionDispatcher = r.Dispatcher("retention-dispatcher"),
        };
        if (s.ConsumeQueueFileSize % 20 != 0)
            throw new ConfigurationException($"{p}mapped-file-size-consume-queue must be a multiple of 20 (one entry), got {s.ConsumeQueueFileSize}");
        if (s.MaxMessageSize + 64 * 1024 + 8 > s.CommitLogSegmentSize)
            throw new ConfigurationException(
                $"{p}mapped-file-size-commit-log ({s.CommitLogSegmentSize} bytes) must hold a maximum-size message: " +
                $"at least {p}max-message-size ({s.MaxMessageSize}) + 64 KiB + 8 bytes");
        if (!(s.DiskMaxUsedSpaceRatio <= s.DiskSpaceCleanForciblyRatio && s.DiskSpaceCleanForciblyRatio <= s.DiskSpaceWarningLevelRatio))
            throw new ConfigurationException(
                $"{p}disk-max-used-space-ratio ({s.DiskMaxUsedSpaceRatio}) <= {p}disk-space-clean-forcibly-ratio " +
                $"({s.DiskSpaceCleanForciblyRatio}) <= {p}disk-space-warning-level-ratio ({s.DiskSpaceWarningLevelRatio}) must hold");
        return s;

        static FlushDiskType ParseFlushType(string v) => v.Trim().ToUpperInvariant() switch
        {
            "ASYNC_FLUSH" => FlushDiskType.AsyncFlush,
            "SYNC_FLUSH" => FlushDiskType.SyncFlush,
            _ => throw new ConfigurationException($"{p}flush-disk-type = '{v}' is not supported; use ASYNC_FLUSH or SYNC_FLUSH"),
        };

        static IReadOnlySet<int> ParseHours(string v)
        {
            var hours = new HashSet<int>();
            foreach (var part in v.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, out int h) || h is < 0 or > 23)
                    throw new ConfigurationException($"{p}delete-when = '{v}': '{part}' is not an hour of day 00-23");
                hours.Add(h);
            }
            return hours;
        }
    }
}
