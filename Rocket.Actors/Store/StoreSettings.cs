using Akka.Configuration;

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
    public string DispatchDispatcher { get; init; } = "rocket.store.dispatch-thread";

    public string CommitLogDirectory => Path.Combine(Directory, "commitlog");
    public string ConsumeQueueDirectory => Path.Combine(Directory, "consumequeue");
    public string IndexDirectory => Path.Combine(Directory, "index");
    public string CheckpointPath => Path.Combine(Directory, "checkpoint");
    public string AbortPath => Path.Combine(Directory, "abort");
    public string LockPath => Path.Combine(Directory, "lock");

    /// <summary>Reads <c>rocket.store</c> from <paramref name="config"/> (falling back to the reference defaults).</summary>
    public static StoreSettings FromConfig(Config config)
    {
        var c = Settings.RocketConfig.WithReference(config).GetConfig("rocket.store");
        const string p = "rocket.store.";
        var s = new StoreSettings
        {
            Directory = RequireText(c, "dir"),
            CommitLogSegmentSize = ByteSize(c, "mapped-file-size-commit-log", min: 4096, max: int.MaxValue),
            ConsumeQueueFileSize = ByteSize(c, "mapped-file-size-consume-queue", min: 20, max: int.MaxValue),
            FlushDiskType = ParseFlushType(c.GetString("flush-disk-type")),
            FlushInterval = Positive(c, "flush-interval-commit-log"),
            FlushLeastPages = Int(c, "flush-commit-log-least-pages", 0, int.MaxValue),
            FlushThoroughInterval = Positive(c, "flush-commit-log-thorough-interval"),
            SyncFlushTimeout = Positive(c, "sync-flush-timeout"),
            FlushConsumeQueueInterval = Positive(c, "flush-interval-consume-queue"),
            FlushConsumeQueueThoroughInterval = Positive(c, "flush-consume-queue-thorough-interval"),
            CheckCrcOnRecover = c.GetBoolean("check-crc-on-recover", true),
            MaxMessageSize = ByteSize(c, "max-message-size", min: 1, max: 64 * 1024 * 1024),
            MaxPropertiesSize = Int(c, "max-properties-size", 0, short.MaxValue),
            FileReservedHours = Int(c, "file-reserved-time", 0, 100_000),
            DeleteWhenHours = ParseHours(c.GetString("delete-when")),
            DiskMaxUsedSpaceRatio = Int(c, "disk-max-used-space-ratio", 10, 95),
            DiskSpaceCleanForciblyRatio = Int(c, "disk-space-clean-forcibly-ratio", 10, 99),
            DiskSpaceWarningLevelRatio = Int(c, "disk-space-warning-level-ratio", 10, 99),
            CleanResourceInterval = Positive(c, "clean-resource-interval"),
            DeleteFileBatchMax = Int(c, "delete-file-batch-max", 1, 1000),
            MessageIndexEnable = c.GetBoolean("message-index-enable", true),
            MaxHashSlotNum = Int(c, "max-hash-slot-num", 1, 50_000_000),
            MaxIndexNum = Int(c, "max-index-num", 1, 100_000_000),
            MaxMsgsNumBatch = Int(c, "max-msgs-num-batch", 1, 10_000),
            JournalDispatcher = RequireText(c, "journal-dispatcher"),
            FlushDispatcher = RequireText(c, "flush-dispatcher"),
            DispatchDispatcher = RequireText(c, "dispatch-dispatcher"),
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

        static string RequireText(Config c, string key)
        {
            var v = c.GetString(key);
            return string.IsNullOrWhiteSpace(v) ? throw new ConfigurationException($"{p}{key} must be set") : v;
        }

        static int Int(Config c, string key, int min, int max)
        {
            int v;
            try { v = c.GetInt(key); }
            catch (Exception e) { throw new ConfigurationException($"{p}{key} must be a whole number: {e.Message}"); }
            return v < min || v > max ? throw new ConfigurationException($"{p}{key} = {v} is outside {min}..{max}") : v;
        }

        static int ByteSize(Config c, string key, long min, long max)
        {
            long? v;
            try { v = c.GetByteSize(key); }
            catch (Exception e) { throw new ConfigurationException($"{p}{key} must be a byte size such as 64m: {e.Message}"); }
            if (v is null) throw new ConfigurationException($"{p}{key} must be set");
            return v < min || v > max ? throw new ConfigurationException($"{p}{key} = {v} bytes is outside {min}..{max}") : (int)v.Value;
        }

        static TimeSpan Positive(Config c, string key)
        {
            TimeSpan v;
            try { v = c.GetTimeSpan(key); }
            catch (Exception e) { throw new ConfigurationException($"{p}{key} must be a duration such as 500ms: {e.Message}"); }
            return v <= TimeSpan.Zero ? throw new ConfigurationException($"{p}{key} must be positive, got {v}") : v;
        }

        static FlushDiskType ParseFlushType(string? v) => v?.Trim().ToUpperInvariant() switch
        {
            "ASYNC_FLUSH" => FlushDiskType.AsyncFlush,
            "SYNC_FLUSH" => FlushDiskType.SyncFlush,
            _ => throw new ConfigurationException($"{p}flush-disk-type = '{v}' is not supported; use ASYNC_FLUSH or SYNC_FLUSH"),
        };

        static IReadOnlySet<int> ParseHours(string? v)
        {
            var hours = new HashSet<int>();
            foreach (var part in (v ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, out int h) || h is < 0 or > 23)
                    throw new ConfigurationException($"{p}delete-when = '{v}': '{part}' is not an hour of day 00-23");
                hours.Add(h);
            }
            return hours;
        }
    }
}
