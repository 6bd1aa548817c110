using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Rocket.Broker.Metadata;
using Rocket.Broker.Metadata.Backup;
using Rocket.Broker.Metadata.Recovery;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Metadata;

/// <summary>
/// What a broker does at start about its metadata database: use it, restore it from the backups and the consume
/// queues on disk, or refuse naming the file and the setting.
/// </summary>
public sealed class MetadataRecoveryTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _store = new("metadata-recovery");
    private readonly CapturingLoggerFactory _logs = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _store.Dispose();
    }

    private MetadataSettings Settings(bool acceptLostOffsets = false) =>
        new() { BackupDirectory = MetadataSettings.BackupDirectoryOf(_store.Path), AcceptLostOffsets = acceptLostOffsets };

    private string Database => MetadataPersistence.DatabasePath(_store.Path);

    private MetadataRestore? Prepare(IEnumerable<(string, int)> queues, bool acceptLostOffsets = false) =>
        MetadataRecovery.Prepare(_store.Path, queues, Settings(acceptLostOffsets), _logs.CreateLogger("test"), Now);

    private string[] Logged(LogLevel level) => _logs.Entries.Where(e => e.Level == level).Select(e => e.Message).ToArray();

    [Fact]
    public void A_new_broker_with_nothing_on_disk_starts_as_it_is()
    {
        Assert.Null(Prepare([]));
        Assert.Empty(_logs.Entries);
    }

    [Fact]
    public void An_intact_database_is_used_as_it_is_even_without_backups()
    {
        CreateDatabase(rows: 1);
        Assert.Null(Prepare([("Orders", 0)]));
        Assert.Equal(DatabaseState.Intact, MetadataDatabaseCheck.Inspect(Database).State);
    }

    [Fact]
    public void A_missing_database_is_restored_from_the_backups_plus_the_topics_only_the_consume_queues_show()
    {
        Settings().TopicsFile.Write(new TopicsBackup([new TopicConfig("Orders", 4, 4, TopicPerm.Read), new("Small", 2, 2)], Now.AddSeconds(-30)).ToJson(1));
        Settings().OffsetsFile.Write(new OffsetsBackup([new GroupQueueOffset("G1", "Orders", 0, 12), new("G1", "Orders", 3, 7)], Now.AddSeconds(-3)).ToJson(1));

        var restore = Prepare([("Orders", 0), ("Orders", 3), ("Small", 5), ("Later", 0), ("Later", 2)]);

        Assert.NotNull(restore);
        Assert.Equal(
            [new TopicConfig("Later", 3, 3), new("Orders", 4, 4, TopicPerm.Read), new("Small", 6, 6)],
            restore.Topics);
        Assert.Equal([new GroupQueueOffset("G1", "Orders", 0, 12), new("G1", "Orders", 3, 7)], restore.Offsets);
        var warnings = Logged(LogLevel.Warning);
        Assert.Contains(warnings, w => w.Contains(Database) && w.Contains("is missing"));
        Assert.Contains(warnings, w => w.Contains("restored 2 topic(s) (Orders, Small) from " + Settings().TopicsFile.Path));
        Assert.Contains(warnings, w => w.Contains("topic Later rebuilt from its consume queues on disk: 3 read/write queues"));
        Assert.Contains(warnings, w => w.Contains("topic Small") && w.Contains("raised from 2/2 to 6"));
        Assert.Contains(warnings, w => w.Contains("offsets of 1 consumer group(s) (G1) on 2 queue(s) from " + Settings().OffsetsFile.Path));
        Assert.Empty(Logged(LogLevel.Error));
    }

    [Fact]
    public void The_schedule_topics_queues_and_progress_are_restored_without_making_it_a_topic()
    {
        Settings().TopicsFile.Write(new TopicsBackup([new TopicConfig("Orders", 4, 4)], Now.AddSeconds(-30)).ToJson(1));
        Settings().OffsetsFile.Write(new OffsetsBackup([new GroupQueueOffset(SystemTopics.ScheduleProgressGroup, SystemTopics.Schedule, 2, 40)], Now.AddSeconds(-3)).ToJson(1));

        var restore = Prepare([("Orders", 0), (SystemTopics.Schedule, 0), (SystemTopics.Schedule, 2)]);

        Assert.NotNull(restore);
        Assert.Equal([new TopicConfig("Orders", 4, 4)], restore.Topics);
        Assert.Equal([new GroupQueueOffset(SystemTopics.ScheduleProgressGroup, SystemTopics.Schedule, 2, 40)], restore.Offsets);
    }

    [Fact]
    public void An_empty_database_file_counts_as_lost_when_queues_are_on_disk()
    {
        CreateDatabase(rows: 0);
        Settings().OffsetsFile.Write(new OffsetsBackup([], Now).ToJson(1));
        var restore = Prepare([("Orders", 1)]);
        Assert.Equal([new TopicConfig("Orders", 2, 2)], restore!.Topics);
        Assert.Contains(Logged(LogLevel.Warning), w => w.Contains("is empty"));
    }

    [Fact]
    public void Without_an_offset_backup_the_broker_refuses_naming_the_file_the_topics_and_the_setting()
    {
        var error = Assert.Throws<MetadataRecoveryException>(() => Prepare([("Orders", 0), ("Billing", 1)]));
        Assert.Contains($"metadata database {Database} is missing", error.Message);
        Assert.Contains(Settings().OffsetsFile.Path, error.Message);
        Assert.Contains("2 topic(s) (Billing, Orders)", error.Message);
        Assert.Contains("rocket.broker.metadata.accept-lost-offsets = on", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Accepting_lost_offsets_rebuilds_the_topics_and_logs_an_error_that_offsets_are_gone()
    {
        var restore = Prepare([("Orders", 0), ("Orders", 7)], acceptLostOffsets: true);
        Assert.Equal([new TopicConfig("Orders", 8, 8)], restore!.Topics);
        Assert.Empty(restore.Offsets);
        Assert.Contains(Logged(LogLevel.Error), e => e.Contains("every consumer group's position on this broker is lost"));
    }

    [Fact]
    public void A_damaged_database_is_moved_aside_never_deleted_and_restored_from_the_backups()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Database)!);
        byte[] garbage = Enumerable.Range(0, 8192).Select(i => (byte)(i * 31)).ToArray();
        File.WriteAllBytes(Database, garbage);
        Settings().OffsetsFile.Write(new OffsetsBackup([new GroupQueueOffset("G", "Orders", 0, 3)], Now).ToJson(1));

        var restore = Prepare([("Orders", 0)]);

        Assert.Equal([new GroupQueueOffset("G", "Orders", 0, 3)], restore!.Offsets);
        Assert.False(File.Exists(Database));
        var moved = Assert.Single(Directory.GetDirectories(Path.GetDirectoryName(Database)!, "damaged-*"));
        Assert.Equal(garbage, File.ReadAllBytes(Path.Combine(moved, "metadata.db")));
        var error = Assert.Single(Logged(LogLevel.Error));
        Assert.Contains(Database, error);
        Assert.Contains("is damaged", error);
        Assert.Contains(moved, error);
    }

    [Fact]
    public void A_damaged_database_without_an_offset_backup_is_refused_and_left_where_it_is()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Database)!);
        File.WriteAllText(Database, "this is not an SQLite database, but it is long enough to have a header of sorts........");

        var error = Assert.Throws<MetadataRecoveryException>(() => Prepare([]));

        Assert.Contains($"metadata database {Database} is damaged (", error.Message);
        Assert.Contains("accept-lost-offsets", error.Message);
        Assert.True(File.Exists(Database));
    }

    [Fact]
    public void A_damaged_offset_backup_falls_back_to_its_bak()
    {
        Settings().OffsetsFile.Write(new OffsetsBackup([new GroupQueueOffset("G", "Orders", 0, 9)], Now.AddMinutes(-1)).ToJson(1));
        Settings().OffsetsFile.Write("{ torn"u8.ToArray());

        var restore = Prepare([("Orders", 0)]);

        Assert.Equal([new GroupQueueOffset("G", "Orders", 0, 9)], restore!.Offsets);
        Assert.Contains(Logged(LogLevel.Warning), w => w.Contains(Settings().OffsetsFile.Path + " is unusable"));
        Assert.Contains(Logged(LogLevel.Warning), w => w.Contains("from " + Settings().OffsetsFile.PreviousPath));
    }

    [Fact]
    public void Queues_that_cannot_become_a_valid_topic_are_refused_rather_than_left_to_be_deleted()
    {
        Settings().OffsetsFile.Write(new OffsetsBackup([], Now).ToJson(1));
        var error = Assert.Throws<MetadataRecoveryException>(() => Prepare([("Huge", 1024)]));
        Assert.Contains("topic Huge cannot be restored (topic 'Huge': read queue count 1025 is outside 1..1024)", error.Message);
    }

    [Fact]
    public void A_directory_in_place_of_the_database_is_refused_by_name()
    {
        Directory.CreateDirectory(Database);
        var error = Assert.Throws<MetadataRecoveryException>(() => Prepare([]));
        Assert.Contains($"metadata database {Database} is a directory", error.Message);
    }

    /// <summary>An SQLite file with the journal's two tables, holding <paramref name="rows"/> events.</summary>
    private void CreateDatabase(int rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Database)!);
        using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE journal (persistence_id TEXT); CREATE TABLE snapshot (persistence_id TEXT);" +
            string.Concat(Enumerable.Repeat("INSERT INTO journal VALUES ('topics-broker-a-0');", rows));
        command.ExecuteNonQuery();
    }
}
