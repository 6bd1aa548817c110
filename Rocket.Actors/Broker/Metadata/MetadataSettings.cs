using Rocket.Broker.Metadata.Backup;
using Rocket.Settings;

namespace Rocket.Broker.Metadata;

/// <summary>Settings of the broker's metadata database, its backups and their restore, read from <c>rocket.broker.metadata</c>.</summary>
public sealed record MetadataSettings
{
    /// <summary>{store}/metadata/backup: topics.json and consumerOffset.json, each with its .bak.</summary>
    public required string BackupDirectory { get; init; }
    public TimeSpan FlushConsumerOffsetInterval { get; init; } = TimeSpan.FromSeconds(5);
    public bool AcceptLostOffsets { get; init; }
    /// <summary>Where the metadata database's writes run (<c>database-dispatcher</c>).</summary>
    public string DatabaseDispatcher { get; init; } = "rocket.broker.metadata.database-thread";
    /// <summary>Where the backup files are written (<c>backup-dispatcher</c>).</summary>
    public string BackupDispatcher { get; init; } = "rocket.broker.metadata.database-thread";

    public BackupFile TopicsFile => new(Path.Combine(BackupDirectory, TopicsBackup.FileName));
    public BackupFile OffsetsFile => new(Path.Combine(BackupDirectory, OffsetsBackup.FileName));

    public static string BackupDirectoryOf(string storeDirectory) =>
        Path.Combine(Path.GetDirectoryName(MetadataPersistence.DatabasePath(storeDirectory))!, "backup");

    public static MetadataSettings FromConfig(Akka.Configuration.Config config, string storeDirectory)
    {
        var root = RocketConfig.WithReference(config);
        var r = new SettingsReader(root.GetConfig("rocket.broker.metadata"), "rocket.broker.metadata.", root);
        return new MetadataSettings
        {
            BackupDirectory = BackupDirectoryOf(storeDirectory),
            FlushConsumerOffsetInterval = r.Duration("flush-consumer-offset-interval"),
            AcceptLostOffsets = r.Bool("accept-lost-offsets"),
            DatabaseDispatcher = r.Dispatcher("database-dispatcher"),
            BackupDispatcher = r.Dispatcher("backup-dispatcher"),
        };
    }
}
