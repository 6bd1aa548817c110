using System.Text;
using Rocket.Client;
using Rocket.Client.Offsets;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Client.Offsets;

public sealed class LocalOffsetFileTests : IDisposable
{
    private readonly TempDirectory _dir = new("local-offsets");
    private string Main => _dir.Combine("c@DEFAULT", "G", LocalOffsetFile.FileName);
    private string Backup => LocalOffsetFile.BackupOf(Main);

    public void Dispose() => _dir.Dispose();

    private static Dictionary<MessageQueue, long> Table(params (string Topic, string Broker, int Queue, long Offset)[] rows) =>
        rows.ToDictionary(r => new MessageQueue(r.Topic, r.Broker, r.Queue), r => r.Offset);

    [Fact]
    public void Neither_file_is_a_first_start_with_no_offsets()
    {
        var read = LocalOffsetFile.Read(Main);
        Assert.Empty(read.Offsets);
        Assert.Null(read.Warning);
    }

    [Fact]
    public void A_write_replaces_the_file_whole_keeps_the_previous_version_as_backup_and_leaves_no_temp_file()
    {
        LocalOffsetFile.Write(Main, Table(("T", "broker-a", 0, 5)));
        Assert.False(File.Exists(Backup)); // nothing to back up the first time
        LocalOffsetFile.Write(Main, Table(("T", "broker-a", 0, 9), ("T", "broker-b", 3, 2)));

        Assert.Equal(Table(("T", "broker-a", 0, 9), ("T", "broker-b", 3, 2)), LocalOffsetFile.Read(Main).Offsets);
        Assert.Equal(Table(("T", "broker-a", 0, 5)), LocalOffsetFile.Parse(File.ReadAllBytes(Backup)));
        Assert.False(File.Exists(Main + ".tmp"));
    }

    [Fact]
    public void A_damaged_main_file_is_read_from_the_backup_with_a_warning_naming_it()
    {
        LocalOffsetFile.Write(Main, Table(("T", "broker-a", 0, 5)));
        LocalOffsetFile.Write(Main, Table(("T", "broker-a", 0, 9)));
        File.WriteAllText(Main, "{\"offsetTable\":[{\"topic\":\"T\",\"brok"); // torn

        var read = LocalOffsetFile.Read(Main);
        Assert.Equal(Table(("T", "broker-a", 0, 5)), read.Offsets);
        Assert.Contains(Main, read.Warning);
        Assert.Contains("damaged", read.Warning);
        Assert.Contains(Backup, read.Warning);
    }

    [Fact]
    public void A_main_file_lost_between_the_two_renames_is_read_from_the_backup()
    {
        LocalOffsetFile.Write(Main, Table(("T", "broker-a", 1, 7)));
        File.Move(Main, Backup); // a crash after "main → .bak", before "tmp → main"
        var read = LocalOffsetFile.Read(Main);
        Assert.Equal(Table(("T", "broker-a", 1, 7)), read.Offsets);
        Assert.Contains("missing", read.Warning);
    }

    [Fact]
    public void Both_files_damaged_is_an_error_naming_both_never_a_restart_from_zero()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Main)!);
        File.WriteAllText(Main, "not json");
        File.WriteAllText(Backup, "{\"offsetTable\":[{\"topic\":\"T\",\"brokerName\":\"b\",\"queueId\":0,\"offset\":-4}]}");
        var e = Assert.Throws<LocalOffsetStoreException>(() => LocalOffsetFile.Read(Main));
        Assert.Contains(Main, e.Message);
        Assert.Contains(Backup, e.Message);
        Assert.Contains("\"offset\"", e.Message); // says what is wrong in the backup
    }

    [Fact]
    public void A_damaged_main_file_without_a_backup_is_an_error()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Main)!);
        File.WriteAllBytes(Main, Encoding.UTF8.GetBytes("{\"offsetTable\": 3}"));
        var e = Assert.Throws<LocalOffsetStoreException>(() => LocalOffsetFile.Read(Main));
        Assert.Contains(Main, e.Message);
        Assert.Contains("no backup", e.Message);
    }

    [Theory]
    [InlineData("{\"offsetTable\":[{\"topic\":\"T\",\"brokerName\":\"b\",\"queueId\":0}]}", "\"offset\"")]
    [InlineData("{\"offsetTable\":[{\"topic\":\"\",\"brokerName\":\"b\",\"queueId\":0,\"offset\":1}]}", "\"topic\"")]
    [InlineData("{\"offsetTable\":[{\"topic\":\"T\",\"brokerName\":\"b\",\"queueId\":0,\"offset\":1},{\"topic\":\"T\",\"brokerName\":\"b\",\"queueId\":0,\"offset\":2}]}", "twice")]
    [InlineData("[]", "offsetTable")]
    public void Parse_names_what_is_wrong(string content, string expected)
    {
        var e = Assert.Throws<FormatException>(() => LocalOffsetFile.Parse(Encoding.UTF8.GetBytes(content)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_path_is_dir_client_id_group_offsets_json_with_the_home_folder_for_a_tilde()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Join(home, ".rocketmq_offsets", "10.0.0.1@DEFAULT", "G1", "offsets.json"),
            LocalOffsetStore.PathFor("~/.rocketmq_offsets", "10.0.0.1@DEFAULT", "G1"));
        Assert.Equal(Path.Join(_dir.Path, "h@i", "a_b", "offsets.json"), LocalOffsetStore.PathFor(_dir.Path, "h@i", "a/b"));
    }

    [Fact]
    public async Task One_file_is_held_by_one_consumer_of_a_process_until_it_closes()
    {
        var (store, loaded) = LocalOffsetStore.Open(Main);
        Assert.Empty(loaded.Offsets);
        var e = Assert.Throws<RocketClientException>(() => LocalOffsetStore.Open(Main));
        Assert.Contains("instance name", e.Message);

        await store.PersistAsync(Table(("T", "broker-a", 0, 1)));
        await store.CloseAsync(Table(("T", "broker-a", 0, 2)));
        var (again, reloaded) = LocalOffsetStore.Open(Main);
        Assert.Equal(Table(("T", "broker-a", 0, 2)), reloaded.Offsets);
        await again.CloseAsync(reloaded.Offsets);
    }
}
