using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Rocket.Broker.Metadata;
using Rocket.Broker.Metadata.Backup;
using Rocket.Broker.Metadata.Recovery;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Broker.Metadata;

/// <summary>
/// The metadata actors on the real SQLite journal: they write their backup files, and given a restore with an empty
/// journal they persist it before anyone sees their state; a restarted system then recovers it from the database.
/// </summary>
public class MetadataRestoreActorTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir;
    private readonly Config _config;
    private readonly MetadataSettings _backup;

    public MetadataRestoreActorTests(ITestOutputHelper output) : this(new TempDirectory("metadata-restore"), output) { }

    private MetadataRestoreActorTests(TempDirectory dir, ITestOutputHelper output) : this(dir, ConfigFor(dir), output) { }

    private static Config ConfigFor(TempDirectory dir) =>
        MetadataPersistence.Config(dir.Path, MetadataSettings.FromConfig(Config.Empty, dir.Path).DatabaseDispatcher)
            .WithFallback(TestKitConfig.Reference).WithFallback(DefaultConfig);

    private MetadataRestoreActorTests(TempDirectory dir, Config config, ITestOutputHelper output) : base(config, output: output)
    {
        _dir = dir;
        _config = config;
        _backup = new MetadataSettings { BackupDirectory = MetadataSettings.BackupDirectoryOf(dir.Path), FlushConsumerOffsetInterval = TimeSpan.FromMilliseconds(200) };
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public void Restored_topics_are_persisted_published_first_backed_up_and_recovered_after_a_restart()
    {
        TopicConfig[] restored = [new("Orders", 4, 4, TopicPerm.Read), new("Rebuilt", 8, 8)];
        var subscriber = CreateTestProbe();
        Sys.ActorOf(TopicConfigActor.Props("broker-a", subscriber.Ref, backup: _backup, restore: new MetadataRestore(restored, [])));

        // The first table the broker sees already holds them (it deletes data of queues without a topic).
        Assert.Equal(restored, subscriber.ExpectMsg<TopicTableChanged>(Patience).Topics.Values);
        AwaitAssert(() => Assert.Equal(restored, ReadTopicsBackup()), Patience);

        Restart(restarted =>
        {
            var probe = CreateTestProbe(restarted);
            restarted.ActorOf(TopicConfigActor.Props("broker-a", probe.Ref)); // no restore this time: from the database
            Assert.Equal(restored, probe.ExpectMsg<TopicTableChanged>(Patience).Topics.Values);
        });
        Assert.Equal(DatabaseState.Intact, MetadataDatabaseCheck.Inspect(MetadataPersistence.DatabasePath(_dir.Path)).State);
    }

    [Fact]
    public void A_restore_is_not_applied_over_a_journal_that_has_events()
    {
        var subscriber = CreateTestProbe();
        var topics = Sys.ActorOf(TopicConfigActor.Props("broker-a", subscriber.Ref));
        subscriber.ExpectMsg<TopicTableChanged>(Patience);
        topics.Tell(new CreateOrUpdateTopic(new TopicConfig("Stored", 2, 2)));
        ExpectMsg(new AdminResult(true), Patience);

        Restart(restarted =>
        {
            var probe = CreateTestProbe(restarted);
            restarted.ActorOf(TopicConfigActor.Props("broker-a", probe.Ref, restore: new MetadataRestore([new TopicConfig("FromBackup", 1, 1)], [])));
            Assert.Equal([new TopicConfig("Stored", 2, 2)], probe.ExpectMsg<TopicTableChanged>(Patience).Topics.Values);
        });
    }

    [Fact]
    public void Every_topic_change_rewrites_topics_json_and_keeps_the_previous_as_bak()
    {
        var subscriber = CreateTestProbe();
        var topics = Sys.ActorOf(TopicConfigActor.Props("broker-a", subscriber.Ref, backup: _backup));
        subscriber.ExpectMsg<TopicTableChanged>(Patience);
        AwaitAssert(() => Assert.Empty(ReadTopicsBackup()), Patience); // written after recovery, even when empty

        topics.Tell(new CreateOrUpdateTopic(new TopicConfig("A", 2, 2)));
        ExpectMsg(new AdminResult(true), Patience);
        AwaitAssert(() => Assert.Equal([new TopicConfig("A", 2, 2)], ReadTopicsBackup()), Patience);
        topics.Tell(new DeleteTopic("A"));
        ExpectMsg(new AdminResult(true), Patience);
        AwaitAssert(() => Assert.Empty(ReadTopicsBackup()), Patience);
        Assert.Equal([new TopicConfig("A", 2, 2)], TopicsBackup.FromJson(File.ReadAllBytes(_backup.TopicsFile.PreviousPath)).Topics);
    }

    [Fact]
    public void Restored_offsets_are_answered_at_once_and_recovered_from_the_database_after_a_restart()
    {
        GroupQueueOffset[] restored = [new("G1", "Orders", 0, 12), new("G1", "Orders", 3, 7), new("G2", "Orders", 0, 1)];
        var offsets = Sys.ActorOf(OffsetStoreActor.Props("broker-a", backup: _backup, restore: new MetadataRestore([], restored)));
        offsets.Tell(new QueryOffset("G1", "Orders", 3));
        ExpectMsg(new OffsetAnswer("G1", "Orders", 3, 7), Patience);
        offsets.Tell(new CommitOffsets("G1", [new("Orders", 0, 15)])); // consumption goes on from the restored position
        offsets.Tell(new QueryOffset("G1", "Orders", 0));
        ExpectMsg(new OffsetAnswer("G1", "Orders", 0, 15), Patience);

        Restart(restarted =>
        {
            var probe = CreateTestProbe(restarted);
            var recovered = restarted.ActorOf(OffsetStoreActor.Props("broker-a"));
            recovered.Tell(new GetGroupOffsets("G1"), probe);
            Assert.Equal(new Dictionary<(string, int), long> { [("Orders", 0)] = 15, [("Orders", 3)] = 7 }, probe.ExpectMsg<GroupOffsets>(Patience).Offsets);
            recovered.Tell(new QueryOffset("G2", "Orders", 0), probe);
            probe.ExpectMsg(new OffsetAnswer("G2", "Orders", 0, 1), Patience);
        });
    }

    [Fact]
    public void Changed_offsets_are_backed_up_every_interval_and_at_once_on_a_flush()
    {
        var offsets = Sys.ActorOf(OffsetStoreActor.Props("broker-a", backup: _backup));
        offsets.Tell(new CommitOffsets("G", [new("T", 0, 10)]));
        AwaitAssert(() => Assert.Equal([new GroupQueueOffset("G", "T", 0, 10)], ReadOffsetsBackup()), Patience); // by the timer

        // A long interval: only the flush can write this one.
        var slow = Sys.ActorOf(OffsetStoreActor.Props("broker-b", backup: _backup with
        {
            BackupDirectory = Path.Combine(_dir.Path, "slow"), FlushConsumerOffsetInterval = TimeSpan.FromHours(1),
        }));
        slow.Tell(new CommitOffsets("G", [new("T", 1, 99)]));
        slow.Tell(FlushMetadataBackup.Instance);
        var written = ExpectMsg<BackupWritten>(Patience);
        Assert.Null(written.Error);
        Assert.Equal(Path.Combine(_dir.Path, "slow", OffsetsBackup.FileName), written.File);
        Assert.Equal([new GroupQueueOffset("G", "T", 1, 99)], OffsetsBackup.FromJson(File.ReadAllBytes(written.File)).Offsets);
    }

    [Fact]
    public void A_backup_that_cannot_be_written_is_reported_not_ignored()
    {
        File.WriteAllText(Path.Combine(_dir.Path, "a-file"), "in the way");
        var offsets = Sys.ActorOf(OffsetStoreActor.Props("broker-a", backup: _backup with { BackupDirectory = Path.Combine(_dir.Path, "a-file", "backup") }));
        EventFilter.Error(contains: "cannot write metadata backup").ExpectOne(() =>
        {
            offsets.Tell(FlushMetadataBackup.Instance);
            Assert.Contains("cannot write metadata backup " + Path.Combine(_dir.Path, "a-file", "backup", OffsetsBackup.FileName), ExpectMsg<BackupWritten>(Patience).Error);
        });
    }

    private TopicConfig[] ReadTopicsBackup() => TopicsBackup.FromJson(File.ReadAllBytes(_backup.TopicsFile.Path)).Topics;

    private GroupQueueOffset[] ReadOffsetsBackup() => OffsetsBackup.FromJson(File.ReadAllBytes(_backup.OffsetsFile.Path)).Offsets;

    /// <summary>Stops the test's ActorSystem, then runs <paramref name="secondLife"/> in a new one on the same folder.</summary>
    private void Restart(Action<ActorSystem> secondLife)
    {
        Assert.True(Sys.Terminate().Wait(Patience), "the first actor system did not terminate");
        var restarted = ActorSystem.Create("restarted", _config);
        try { secondLife(restarted); }
        finally { Assert.True(restarted.Terminate().Wait(Patience), "the restarted actor system did not terminate"); }
    }
}
