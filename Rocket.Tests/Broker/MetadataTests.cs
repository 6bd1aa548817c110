using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Rocket.Broker.Metadata;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Broker;

/// <summary>
/// Topic configs and consumer offsets on the SQLite-backed Akka.Persistence.Sql journal. Restart tests terminate
/// one ActorSystem and recover in a new one on the same folder, as a broker restart would.
/// </summary>
public class MetadataTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir;
    private readonly Config _config;
    private readonly ITestOutputHelper _output;

    public MetadataTests(ITestOutputHelper output) : this(new TempDirectory("metadata"), output) { }

    private MetadataTests(TempDirectory dir, ITestOutputHelper output) : this(dir, ConfigFor(dir), output) { }

    private MetadataTests(TempDirectory dir, Config config, ITestOutputHelper output) : base(config, output: output)
    {
        _dir = dir;
        _config = config;
        _output = output;
    }

    private static Config ConfigFor(TempDirectory dir) => MetadataPersistence.Config(dir.Path, MetadataSettings.FromConfig(Config.Empty, dir.Path).DatabaseDispatcher)
        .WithFallback(TestKitConfig.Reference).WithFallback(DefaultConfig);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools(); // pooled connections keep the database file open
        _dir.Dispose();
    }

    [Fact]
    public async Task The_journals_write_stream_runs_on_the_database_thread_given_by_the_settings()
    {
        // SQLite's writes run synchronously inside that stream, WAL fsync included: off the thread pool (database-dispatcher).
        string thread = $"md-{Guid.NewGuid():N}"[..12];
        var config = ConfigurationFactory.ParseString($"rocket.broker.metadata.database-thread.thread-name = \"{thread}\"")
            .WithFallback(TestKitConfig.Reference);
        using var dir = new TempDirectory("metadata-thread");
        var persistence = MetadataPersistence.Config(dir.Path, MetadataSettings.FromConfig(config, dir.Path).DatabaseDispatcher);
        var system = ActorSystem.Create("metadata-thread", persistence.WithFallback(config));
        try
        {
            Assert.DoesNotContain(thread, OsThreadNames());
            var offsets = system.ActorOf(OffsetStoreActor.Props("broker-a"));
            var probe = CreateTestProbe(system);
            offsets.Tell(new CommitOffsets("g", [new("T", 0, 5)]));
            offsets.Tell(new QueryOffset("g", "T", 0), probe);
            probe.ExpectMsg(new OffsetAnswer("g", "T", 0, 5), Patience); // durable

            Assert.Contains(thread, OsThreadNames());
        }
        finally
        {
            await system.Terminate().WaitAsync(Patience);
            SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>The names of this process's threads as the OS sees them (a dedicated executor names its thread).</summary>
    private static string[] OsThreadNames() =>
        Directory.GetDirectories("/proc/self/task").Select(task =>
        {
            try { return File.ReadAllText(Path.Combine(task, "comm")).Trim(); }
            catch (IOException) { return ""; } // the thread ended meanwhile
        }).ToArray();

    [Fact]
    public void Offsets_survive_an_actor_system_restart()
    {
        var offsets = Sys.ActorOf(OffsetStoreActor.Props("broker-a"));
        offsets.Tell(new CommitOffsets("g1", [new("TopicA", 0, 10), new("TopicA", 1, 20)]));
        offsets.Tell(new CommitOffsets("g2", [new("TopicB", 3, 7)]));
        offsets.Tell(new CommitOffsets("g1", [new("TopicA", 0, 12)]));
        offsets.Tell(new QueryOffset("g1", "TopicA", 0), TestActor);
        ExpectMsg(new OffsetAnswer("g1", "TopicA", 0, 12), Patience); // answered once the commits are durable

        Restart(restarted =>
        {
            var probe = CreateTestProbe(restarted);
            var recovered = restarted.ActorOf(OffsetStoreActor.Props("broker-a"));
            recovered.Tell(new QueryOffset("g1", "TopicA", 0), probe);
            probe.ExpectMsg(new OffsetAnswer("g1", "TopicA", 0, 12), Patience);
            recovered.Tell(new GetGroupOffsets("g1"), probe);
            var group = probe.ExpectMsg<GroupOffsets>(Patience);
            Assert.Equal(new Dictionary<(string, int), long> { [("TopicA", 0)] = 12, [("TopicA", 1)] = 20 }, group.Offsets);
            recovered.Tell(new QueryOffset("g2", "TopicB", 3), probe);
            probe.ExpectMsg(new OffsetAnswer("g2", "TopicB", 3, 7), Patience);
        });
    }

    [Fact]
    public void Deleting_a_topics_offsets_drops_them_for_every_group_and_survives_a_restart()
    {
        var offsets = Sys.ActorOf(OffsetStoreActor.Props("broker-a", snapshotEvery: 3));
        offsets.Tell(new CommitOffsets("g1", [new("Gone", 0, 10), new("Gone", 1, 20), new("Kept", 0, 5)]));
        offsets.Tell(new CommitOffsets("g2", [new("Gone", 3, 7)]));
        offsets.Tell(new DeleteTopicOffsets("Gone"));
        ExpectMsg(new TopicOffsetsDeleted("Gone"), Patience); // answered once durable
        offsets.Tell(new CommitOffsets("g3", [new("Kept", 1, 1)])); // a snapshot falls due after the removal
        offsets.Tell(new QueryOffset("g3", "Kept", 1));
        ExpectMsg(new OffsetAnswer("g3", "Kept", 1, 1), Patience); // answered once the commit is durable: restart only then

        Restart(restarted =>
        {
            var probe = CreateTestProbe(restarted);
            var recovered = restarted.ActorOf(OffsetStoreActor.Props("broker-a", snapshotEvery: 3));
            recovered.Tell(new GetGroupOffsets("g1"), probe);
            Assert.Equal(new Dictionary<(string, int), long> { [("Kept", 0)] = 5 }, probe.ExpectMsg<GroupOffsets>(Patience).Offsets);
            recovered.Tell(new QueryOffset("g2", "Gone", 3), probe);
            probe.ExpectMsg(new OffsetAnswer("g2", "Gone", 3, -1), Patience);
            recovered.Tell(new QueryOffset("g3", "Kept", 1), probe);
            probe.ExpectMsg(new OffsetAnswer("g3", "Kept", 1, 1), Patience);
        });
    }

    [Fact]
    public void Offsets_may_rewind_negative_ones_are_ignored_and_unknown_queues_answer_minus_one()
    {
        var offsets = Sys.ActorOf(OffsetStoreActor.Props("broker-a"));
        offsets.Tell(new CommitOffsets("g", [new("T", 0, 100)]));
        offsets.Tell(new CommitOffsets("g", [new("T", 0, 40)])); // a consumer reset to an earlier offset
        offsets.Tell(new CommitOffsets("g", [new("T", 0, -1), new("T", 1, -5)]));

        offsets.Tell(new QueryOffset("g", "T", 0));
        ExpectMsg(new OffsetAnswer("g", "T", 0, 40), Patience);
        offsets.Tell(new QueryOffset("g", "T", 1));
        ExpectMsg(new OffsetAnswer("g", "T", 1, -1), Patience);
        offsets.Tell(new QueryOffset("other", "T", 0));
        ExpectMsg(new OffsetAnswer("other", "T", 0, -1), Patience);
        offsets.Tell(new GetGroupOffsets("nobody"));
        Assert.Empty(ExpectMsg<GroupOffsets>(Patience).Offsets);
    }

    [Fact]
    public void Many_commits_are_snapshotted_compacted_and_recovered_after_a_restart()
    {
        const int commits = 10_000;
        var offsets = Sys.ActorOf(OffsetStoreActor.Props("broker-a", snapshotEvery: 1000));
        offsets.Tell(new GetGroupOffsets("g0")); // recovered and the journal's tables made before the clock starts
        ExpectMsg<GroupOffsets>(Patience);
        var clock = Stopwatch.StartNew();
        for (int i = 1; i <= commits; i++)
            offsets.Tell(new CommitOffsets($"g{i % 10}", [new("TopicA", i % 8, i)]));
        offsets.Tell(new GetGroupOffsets("g0"));
        ExpectMsg<GroupOffsets>(Patience);
        _output.WriteLine($"{commits} CommitOffsets durable in {clock.ElapsedMilliseconds} ms");

        // The snapshot at 10 000 replaces every older event and snapshot (deleted in the background).
        AwaitCondition(() => CountRows("snapshot") == 1 && CountRows("journal") < 1000, Patience);

        Restart(restarted =>
        {
            var probe = CreateTestProbe(restarted);
            var recovered = restarted.ActorOf(OffsetStoreActor.Props("broker-a", snapshotEvery: 1000));
            for (int group = 0; group < 10; group++)
            {
                recovered.Tell(new GetGroupOffsets($"g{group}"), probe);
                var expected = Enumerable.Range(1, commits).Where(i => i % 10 == group)
                    .GroupBy(i => ("TopicA", i % 8)).ToDictionary(g => g.Key, g => (long)g.Max());
                Assert.Equal(expected, probe.ExpectMsg<GroupOffsets>(Patience).Offsets);
            }
        });
    }

    [Fact]
    public void Topics_survive_a_restart_and_the_subscriber_gets_the_table_after_recovery()
    {
        var subscriber = CreateTestProbe();
        var topics = Sys.ActorOf(TopicConfigActor.Props("broker-a", subscriber.Ref));
        Assert.Empty(subscriber.ExpectMsg<TopicTableChanged>(Patience).Topics); // recovered, nothing stored yet

        topics.Tell(new CreateOrUpdateTopic(new TopicConfig("TopicA", 8, 8)));
        ExpectMsg(new AdminResult(true), Patience);
        Assert.Equal(["TopicA"], subscriber.ExpectMsg<TopicTableChanged>().Topics.Keys);
        topics.Tell(new CreateOrUpdateTopic(new TopicConfig("TopicB", 4, 2, TopicPerm.Read)));
        ExpectMsg(new AdminResult(true), Patience);
        topics.Tell(new CreateOrUpdateTopic(new TopicConfig("TopicA", 16, 16)));
        ExpectMsg(new AdminResult(true), Patience);
        topics.Tell(new CreateOrUpdateTopic(new TopicConfig("Gone", 1, 1)));
        ExpectMsg(new AdminResult(true), Patience);
        topics.Tell(new DeleteTopic("Gone"));
        ExpectMsg(new AdminResult(true), Patience);

        TopicConfig[] expected = [new("TopicA", 16, 16), new("TopicB", 4, 2, TopicPerm.Read)];
        Restart(restarted =>
        {
            var probe = CreateTestProbe(restarted);
            var recovered = restarted.ActorOf(TopicConfigActor.Props("broker-a", probe.Ref));
            Assert.Equal(expected, probe.ExpectMsg<TopicTableChanged>(Patience).Topics.Values);
            recovered.Tell(GetTopicConfigs.Instance, probe);
            var configs = probe.ExpectMsg<TopicConfigs>(Patience);
            Assert.Equal("broker-a", configs.BrokerName);
            Assert.Equal(expected, configs.Topics);
        });
    }

    [Fact]
    public void Topics_recover_from_a_snapshot_plus_the_events_after_it()
    {
        var topics = Sys.ActorOf(TopicConfigActor.Props("broker-a", ActorRefs.Nobody, snapshotEvery: 2));
        foreach (var name in new[] { "T1", "T2", "T3", "T4", "T5" })
        {
            topics.Tell(new EnsureTopic(name, 2));
            ExpectMsg<TopicEnsured>(Patience);
        }
        topics.Tell(new DeleteTopic("T2")); // event 6: the last snapshot is taken here
        ExpectMsg(new AdminResult(true), Patience);
        topics.Tell(new CreateOrUpdateTopic(new TopicConfig("T1", 1, 1))); // event 7: after the last snapshot
        ExpectMsg(new AdminResult(true), Patience);

        Restart(restarted =>
        {
            var probe = CreateTestProbe(restarted);
            restarted.ActorOf(TopicConfigActor.Props("broker-a", probe.Ref, snapshotEvery: 2));
            Assert.Equal(
                [new TopicConfig("T1", 1, 1), new("T3", 2, 2), new("T4", 2, 2), new("T5", 2, 2)],
                probe.ExpectMsg<TopicTableChanged>(Patience).Topics.Values);
        });
    }

    [Theory]
    [InlineData("bad topic", 8, 8, "characters outside")]
    [InlineData("", 8, 8, "must not be empty")]
    [InlineData("TopicA", 0, 8, "read queue count 0")]
    [InlineData("TopicA", 8, 1025, "write queue count 1025")]
    public void Invalid_topics_are_refused_with_the_reason(string name, int readQueues, int writeQueues, string reason)
    {
        var subscriber = CreateTestProbe();
        var topics = Sys.ActorOf(TopicConfigActor.Props("broker-a", subscriber.Ref));
        subscriber.ExpectMsg<TopicTableChanged>(Patience);

        topics.Tell(new CreateOrUpdateTopic(new TopicConfig(name, readQueues, writeQueues)));
        var result = ExpectMsg<AdminResult>(Patience);
        Assert.False(result.Ok);
        Assert.Contains(reason, result.Error);
        subscriber.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Deleting_an_unknown_topic_is_an_error_and_ensure_refuses_bad_queue_counts()
    {
        var topics = Sys.ActorOf(TopicConfigActor.Props("broker-a", ActorRefs.Nobody));
        topics.Tell(new DeleteTopic("Nope"));
        var deleted = ExpectMsg<AdminResult>(Patience);
        Assert.False(deleted.Ok);
        Assert.Contains("'Nope' does not exist", deleted.Error);

        topics.Tell(new EnsureTopic("TopicA", 0));
        var ensured = ExpectMsg<TopicEnsured>(Patience);
        Assert.Null(ensured.Topic);
        Assert.Contains("queue count 0", ensured.Error);
    }

    [Fact]
    public void Ensure_topic_creates_once_and_then_answers_the_stored_config()
    {
        var subscriber = CreateTestProbe();
        var topics = Sys.ActorOf(TopicConfigActor.Props("broker-a", subscriber.Ref));
        subscriber.ExpectMsg<TopicTableChanged>(Patience);

        topics.Tell(new EnsureTopic("Auto", 4));
        ExpectMsg(new TopicEnsured("Auto", new TopicConfig("Auto", 4, 4), null), Patience);
        subscriber.ExpectMsg<TopicTableChanged>(t => t.Topics.ContainsKey("Auto"));

        topics.Tell(new EnsureTopic("Auto", 16)); // already there: unchanged, no new table
        ExpectMsg(new TopicEnsured("Auto", new TopicConfig("Auto", 4, 4), null), Patience);
        topics.Tell(new CreateOrUpdateTopic(new TopicConfig("Auto", 4, 4))); // same config: nothing to store
        ExpectMsg(new AdminResult(true), Patience);
        subscriber.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    /// <summary>Stops the test's ActorSystem, then runs <paramref name="secondLife"/> in a new one on the same folder.</summary>
    private void Restart(Action<ActorSystem> secondLife)
    {
        Assert.True(Sys.Terminate().Wait(Patience), "the first actor system did not terminate");
        var restarted = ActorSystem.Create("restarted", _config);
        try { secondLife(restarted); }
        finally { Assert.True(restarted.Terminate().Wait(Patience), "the restarted actor system did not terminate"); }
    }

    private long CountRows(string table)
    {
        using var connection = new SqliteConnection($"Data Source={MetadataPersistence.DatabasePath(_dir.Path)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
        return (long)command.ExecuteScalar()!;
    }
}
