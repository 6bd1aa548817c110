using Rocket.Broker.Metadata.Backup;
using Rocket.Settings;

namespace Rocket.Broker.Metadata;

/// <summary>Settings of the broker's metadata backups and their restore, read from <c>rocket.broker.metadata</c>.</summary>
public sealed record MetadataSettings
{
    /// <summary>{store}/metadata/backup: topics.json and consumerOffset.json, each with its .bak.</summary>
    public required string BackupDirectory { get; init; }
    public TimeSpan FlushConsumerOffsetInterval { get; init; } = TimeSpan.FromSeconds(5);
    public bool AcceptLostOffsets { get; init; }
    public string BackupDispatcher { get; init; } = "akka.actor.default-blocking-io-dispatcher";

    public BackupFile TopicsFile => new(Path.Combine(BackupDirectory, TopicsBackup.FileName));
    public BackupFile OffsetsFile => new(Path.Combine(BackupDirectory, OffsetsBackup.FileName));

    public static string BackupDirectoryOf(string storeDirectory) =>
        Path.Combine(Path.GetDirectoryName(MetadataPersistence.DatabasePath(storeDirectory))!, "backup");

    public static MetadataSettings FromConfig(Akka.Configuration.Config config, string storeDirectory)
    {
        var r = new SettingsReader(RocketConfig.WithReference(config).GetConfig("rocket.broker.metadata"), "rocket.broker.metadata.");
        return new MetadataSettings
        {
            BackupDirectory = BackupDirectoryOf(storeDirectory),
            FlushConsumerOffsetInterval = r.Duration("flush-consumer-offset-interval"),
            AcceptLostOffsets = r.Bool("accept-lost-offsets"),
            BackupDispatcher = r.Text("backup-dispatcher"),
        };
    }
}
