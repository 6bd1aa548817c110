using System.Text;
using FsCheck.Xunit;
using Rocket.Broker.Metadata;
using Rocket.Broker.Metadata.Backup;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Metadata;

/// <summary>The backup files: RocketMQ-shaped JSON that reads back exactly, atomic writes that keep a .bak, strict reading.</summary>
public sealed class MetadataBackupTests : IDisposable
{
    private static readonly DateTimeOffset Written = DateTimeOffset.FromUnixTimeMilliseconds(1_764_750_000_123);
    private readonly TempDirectory _dir = new("metadata-backup");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Topics_are_written_in_rocketmq_layout_and_read_back()
    {
        var backup = new TopicsBackup([new TopicConfig("Orders", 8, 4, TopicPerm.Read), new TopicConfig("A", 1, 1)], Written);
        string json = Encoding.UTF8.GetString(backup.ToJson(counter: 3));
        Assert.Contains("\"topicConfigTable\"", json);
        Assert.Contains("\"readQueueNums\": 8", json);
        Assert.Contains("\"counter\": 3", json);

        var read = TopicsBackup.FromJson(Encoding.UTF8.GetBytes(json));
        Assert.Equal(Written, read.WrittenAt);
        Assert.Equal([new TopicConfig("A", 1, 1), new TopicConfig("Orders", 8, 4, TopicPerm.Read)], read.Topics);
    }

    [Fact]
    public void Offsets_are_written_as_topic_at_group_tables_and_read_back()
    {
        var backup = new OffsetsBackup([new GroupQueueOffset("G1", "Orders", 0, 12), new("G1", "Orders", 1, 20), new("G2", "Orders", 0, 0)], Written);
        string json = Encoding.UTF8.GetString(backup.ToJson(1));
        Assert.Contains("\"Orders@G1\"", json);

        var read = OffsetsBackup.FromJson(Encoding.UTF8.GetBytes(json));
        Assert.Equal(backup.Offsets.OrderBy(o => o.Group).ThenBy(o => o.QueueId), read.Offsets.OrderBy(o => o.Group).ThenBy(o => o.QueueId));
        Assert.Equal(Written, read.WrittenAt);
    }

    /// <summary>Any table of valid names, queue ids and offsets reads back as written. Fixed seed.</summary>
    [Property(MaxTest = 100, Replay = "(1234567890,987654321)")]
    public void Any_offset_table_and_topic_table_round_trip(int[] seeds)
    {
        var offsets = seeds.Select(s => new GroupQueueOffset(Name("G", s), Name("T", s >> 3), Math.Abs(s % 1024), Math.Abs((long)s * 7919)))
            .DistinctBy(o => (o.Group, o.Topic, o.QueueId)).ToArray();
        var readOffsets = OffsetsBackup.FromJson(new OffsetsBackup(offsets, Written).ToJson(1)).Offsets;
        Assert.Equal(offsets.ToHashSet(), readOffsets.ToHashSet());
        Assert.Equal(offsets.Length, readOffsets.Length);

        var topics = seeds.Select(s => new TopicConfig(Name("T", s), 1 + Math.Abs(s % 1024), 1 + Math.Abs((s >> 10) % 1024), (TopicPerm)(Math.Abs(s % 4) * 2)))
            .DistinctBy(t => t.Name).ToArray();
        Assert.Equal(topics.OrderBy(t => t.Name, StringComparer.Ordinal), TopicsBackup.FromJson(new TopicsBackup(topics, Written).ToJson(1)).Topics);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{\"dataVersion\":{\"timestamp\":1},\"offsetTable\":{\"NoAtSign\":{\"0\":1}}}", "'NoAtSign' is not Topic@Group")]
    [InlineData("{\"dataVersion\":{\"timestamp\":1},\"offsetTable\":{\"T@G\":{\"0\":-4}}}", "offset -4 < 0")]
    [InlineData("{\"dataVersion\":{\"timestamp\":1},\"offsetTable\":{\"T@G\":{\"x\":1}}}", "queue id 'x'")]
    [InlineData("{\"offsetTable\":{}}", "'dataVersion' is missing")]
    public void A_damaged_offset_file_is_refused_with_the_reason(string json, string reason) =>
        Assert.Contains(reason, Assert.Throws<BackupFormatException>(() => OffsetsBackup.FromJson(Encoding.UTF8.GetBytes(json))).Message);

    [Fact]
    public void A_topic_the_rules_refuse_makes_the_topic_file_damaged() =>
        Assert.Contains("read queue count 0", Assert.Throws<BackupFormatException>(() => TopicsBackup.FromJson(Encoding.UTF8.GetBytes(
            "{\"dataVersion\":{\"timestamp\":1},\"topicConfigTable\":{\"T\":{\"readQueueNums\":0,\"writeQueueNums\":1,\"perm\":6}}}"))).Message);

    [Fact]
    public void A_write_keeps_the_previous_version_as_bak_and_leaves_no_temp_file()
    {
        var file = new BackupFile(_dir.Combine("backup", "consumerOffset.json"));
        file.Write("first"u8.ToArray());
        Assert.False(File.Exists(file.PreviousPath));
        file.Write("second"u8.ToArray());
        Assert.Equal("second", File.ReadAllText(file.Path));
        Assert.Equal("first", File.ReadAllText(file.PreviousPath));
        Assert.Equal([file.Path, file.PreviousPath], Directory.GetFiles(_dir.Combine("backup")).Order());
    }

    [Fact]
    public void Reading_falls_back_to_the_bak_when_the_file_is_damaged_and_says_why()
    {
        var file = new BackupFile(_dir.Combine("consumerOffset.json"));
        file.Write(new OffsetsBackup([new GroupQueueOffset("G", "T", 0, 5)], Written).ToJson(1));
        file.Write("{ torn"u8.ToArray());
        var problems = new List<string>();

        var loaded = file.Read(OffsetsBackup.FromJson, problems);

        Assert.Equal(file.PreviousPath, loaded!.File);
        Assert.Equal([new GroupQueueOffset("G", "T", 0, 5)], loaded.Content.Offsets);
        Assert.Contains(file.Path + " is unusable: not valid JSON", Assert.Single(problems));
    }

    [Fact]
    public void Reading_names_both_files_when_both_are_damaged_and_answers_null_when_there_is_none()
    {
        var file = new BackupFile(_dir.Combine("topics.json"));
        Assert.Null(file.Read(TopicsBackup.FromJson, []));
        file.Write("x"u8.ToArray());
        file.Write("y"u8.ToArray());
        var error = Assert.Throws<BackupFileException>(() => file.Read(TopicsBackup.FromJson, []));
        Assert.Contains(file.Path + " is unusable", error.Message);
        Assert.Contains(file.PreviousPath + " is unusable", error.Message);
    }

    [Fact]
    public void The_backup_folder_is_in_the_metadata_folder() =>
        Assert.Equal(Path.Combine(Path.GetFullPath(_dir.Path), "metadata", "backup"), MetadataSettings.BackupDirectoryOf(_dir.Path));

    /// <summary>A valid name made of the allowed characters, determined by <paramref name="seed"/>.</summary>
    private static string Name(string prefix, int seed)
    {
        const string allowed = "%|abcXYZ019_-";
        var name = new StringBuilder(prefix);
        for (uint s = (uint)seed; s != 0; s /= (uint)allowed.Length) name.Append(allowed[(int)(s % (uint)allowed.Length)]);
        return name.ToString();
    }
}
