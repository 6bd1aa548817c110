using System.Text.Json;
using Rocket.Broker.Metadata;
using Rocket.Cli.Commands.Shared;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Processes;

/// <summary>
/// Issue 8: a standalone node whose metadata database is deleted or damaged between two lives. With the backups it
/// comes back with its topics and every group where it was; without them it refuses to start, naming the file and
/// the setting, and leaves no abort file; with that setting it starts with the topics rebuilt from the consume queues.
/// </summary>
[Collection(MultiProcess.LaneA)]
public class MetadataRecoveryProcessTests
{
    private const string Topic = "MetaOrders";
    private const string Group = "meta-group";
    private const int Total = 1000;
    private const int FirstPart = 400;

    [Fact]
    public async Task A_deleted_metadata_database_is_restored_from_the_backups_and_the_group_resumes_where_it_was()
    {
        using var dir = new TempDirectory("metadata-deleted");
        string store = dir.Combine("store");
        var (before, consumedFirst) = await FirstLifeAsync(store);

        string database = MetadataPersistence.DatabasePath(store);
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(database + suffix);

        using var again = StandaloneNode.OnStore(store);
        await AssertRestoredAsync(again, before, consumedFirst);
        Assert.Contains($"metadata database {database} is missing", again.Process.StandardOutput);
        Assert.Contains($"restored the offsets of 1 consumer group(s) ({Group})", again.Process.StandardOutput);
    }

    [Fact]
    public async Task A_damaged_metadata_database_is_named_moved_aside_and_restored_from_the_backups()
    {
        using var dir = new TempDirectory("metadata-damaged");
        string store = dir.Combine("store");
        var (before, consumedFirst) = await FirstLifeAsync(store);

        string database = MetadataPersistence.DatabasePath(store);
        byte[] damaged = Damage(database);

        using var again = StandaloneNode.OnStore(store);
        await AssertRestoredAsync(again, before, consumedFirst);
        string log = again.Process.StandardOutput;
        Assert.Contains($"metadata database {database} is damaged (", log);
        var quarantine = Assert.Single(Directory.GetDirectories(Path.GetDirectoryName(database)!, "damaged-*"));
        Assert.Contains($"moved to {quarantine}", log);
        Assert.Equal(damaged, File.ReadAllBytes(Path.Combine(quarantine, "metadata.db")));
    }

    [Fact]
    public async Task A_damaged_database_without_backups_is_refused_by_name_and_accepting_lost_offsets_rebuilds_the_topics()
    {
        using var dir = new TempDirectory("metadata-nobackup");
        string store = dir.Combine("store");
        await FirstLifeAsync(store);
        string database = MetadataPersistence.DatabasePath(store);
        Damage(database);
        Directory.Delete(MetadataSettings.BackupDirectoryOf(store), recursive: true);

        using (var refused = ChildProcess.StartDotnet("Rocket.Node.dll", StandaloneNode.Arguments(FreePort.Next(), store)))
        {
            Assert.Equal(3, refused.WaitForExit(TimeSpan.FromSeconds(90)));
            string line = Assert.Single(refused.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"metadata database {database} is damaged (", line);
            Assert.Contains("rocket.broker.metadata.accept-lost-offsets = on", line);
            Assert.Contains($"consume queues of 1 topic(s) ({Topic})", line);
            Assert.DoesNotContain("   at ", refused.StandardOutput + refused.StandardError);
            Assert.False(File.Exists(Path.Combine(store, "abort")), "a refusal before the store was used leaves no abort file");
            Assert.True(File.Exists(database), "the damaged file stays where it is until the operator decides");
        }

        string accept = dir.Combine("accept.hocon");
        File.WriteAllText(accept, "rocket.broker.metadata.accept-lost-offsets = on\n");
        using var again = StandaloneNode.OnStore(store, "--config", accept);
        var listed = (await again.RocketAsync("topic", "list")).Exits(ExitCodes.Ok).Json();
        var row = Assert.Single(listed.GetProperty("topics").EnumerateArray(), t => t.GetProperty("topic").GetString() == Topic);
        Assert.Equal(4, row.GetProperty("read_queues").GetInt32());
        Assert.Equal(6, row.GetProperty("perm").GetInt32());
        Assert.Contains($"topic {Topic} rebuilt from its consume queues on disk: 4 read/write queues", again.Process.StandardOutput);
        Assert.Contains("every consumer group's position on this broker is lost", again.Process.StandardOutput);
        var progress = (await again.RocketAsync("progress", "--group", Group)).Exits(ExitCodes.Ok).Json();
        Assert.Empty(progress.GetProperty("queues").EnumerateArray());
    }

    /// <summary>
    /// A node on <paramref name="store"/>: topics created, <see cref="Total"/> messages sent, <see cref="FirstPart"/> of
    /// them consumed by the group, then a clean stop. Returns the group's committed offsets per queue and the sequence
    /// how many messages the first consumer got.
    /// </summary>
    private static async Task<(Dictionary<int, long> Offsets, long ConsumedFirst)> FirstLifeAsync(string store)
    {
        using var node = StandaloneNode.OnStore(store);
        (await node.RocketAsync("topic", "create", "--topic", Topic, "--queues", "4")).Exits(ExitCodes.Ok);
        (await node.RocketAsync("topic", "create", "--topic", "MetaReadOnly", "--queues", "2", "--perm", "4")).Exits(ExitCodes.Ok);
        (await node.RocketAsync("send", "--topic", Topic, "--count", Total.ToString(), "--size", "64", "--verify-id", "meta1")).Exits(ExitCodes.Ok);
        var first = (await node.RocketAsync("consume", "--topic", Topic, "--group", Group, "--from", "first", "--count", FirstPart.ToString(),
            "--verify-id", "meta1", "--expect", Total.ToString(), "--timeout", "30")).Json();
        long consumedFirst = first.GetProperty("unique").GetInt64();
        Assert.True(consumedFirst >= FirstPart, first.ToString());

        // The consumer process has exited; its last commits may still be on the wire: wait until two reads agree.
        var offsets = await OffsetsAsync(node);
        for (var previous = new Dictionary<int, long>(); !Same(previous, offsets); )
        {
            previous = offsets;
            offsets = await OffsetsAsync(node);
        }
        Assert.InRange(offsets.Values.Sum(), 1, consumedFirst);
        Assert.Equal(0, node.Terminate()); // a clean stop writes the backups
        Assert.True(File.Exists(Path.Combine(MetadataSettings.BackupDirectoryOf(store), "consumerOffset.json")));
        return (offsets, consumedFirst);
    }

    /// <summary>Topics as they were (the read-only one's perm shows it came from the backup), offsets as they were, the rest delivered.</summary>
    private static async Task AssertRestoredAsync(StandaloneNode node, Dictionary<int, long> before, long consumedFirst)
    {
        var listed = (await node.RocketAsync("topic", "list")).Exits(ExitCodes.Ok).Json();
        var topics = listed.GetProperty("topics").EnumerateArray().ToDictionary(t => t.GetProperty("topic").GetString()!);
        Assert.Equal(4, topics[Topic].GetProperty("read_queues").GetInt32());
        Assert.Equal(6, topics[Topic].GetProperty("perm").GetInt32());
        Assert.Equal(2, topics["MetaReadOnly"].GetProperty("write_queues").GetInt32());
        Assert.Equal(4, topics["MetaReadOnly"].GetProperty("perm").GetInt32());

        Assert.Equal(before, await OffsetsAsync(node));

        // Default --from last: only the stored offsets make the group get the rest of the backlog.
        var second = (await node.RocketAsync("consume", "--topic", Topic, "--group", Group, "--verify-id", "meta1",
            "--expect", Total.ToString(), "--timeout", "10")).Json();
        long received = second.GetProperty("unique").GetInt64();
        Assert.True(Total - before.Values.Sum() == received, second.ToString());
        // Nothing skipped: both lives together saw every message (the second exactly from the restored offsets on).
        Assert.True(consumedFirst + received >= Total, $"first life {consumedFirst}, second {received} of {Total}");
    }

    private static async Task<Dictionary<int, long>> OffsetsAsync(StandaloneNode node)
    {
        var progress = (await node.RocketAsync("progress", "--group", Group)).Exits(ExitCodes.Ok).Json();
        return progress.GetProperty("queues").EnumerateArray()
            .Where(q => q.GetProperty("topic").GetString() == Topic)
            .ToDictionary(q => q.GetProperty("queue_id").GetInt32(), q => q.GetProperty("consumer_offset").GetInt64());
    }

    private static bool Same(Dictionary<int, long> a, Dictionary<int, long> b) => a.Count == b.Count && a.All(kv => b.GetValueOrDefault(kv.Key, -1) == kv.Value);

    /// <summary>Overwrites the database's first page (the SQLite header) and drops its WAL; returns the damaged bytes.</summary>
    private static byte[] Damage(string database)
    {
        foreach (var suffix in new[] { "-wal", "-shm" }) File.Delete(database + suffix);
        byte[] bytes = File.ReadAllBytes(database);
        for (int i = 0; i < Math.Min(4096, bytes.Length); i++) bytes[i] = (byte)(0xA5 ^ i);
        File.WriteAllBytes(database, bytes);
        return bytes;
    }
}
