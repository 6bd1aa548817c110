using Rocket.Store;
using Rocket.Store.Replication;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Store.Replication;

public class EpochFileTests
{
    [Fact]
    public void Round_trips_and_leaves_no_temp_file()
    {
        using var dir = new TempDirectory("epochs");
        string path = Path.Combine(dir.Path, "epochs");
        Assert.Empty(EpochFile.Read(path)); // none yet
        EpochFile.Write(path, [new EpochEntry(1, 0), new EpochEntry(4, 1234)]);
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(4, 1234)], EpochFile.Read(path));
        Assert.False(File.Exists(path + ".tmp"));
        EpochFile.Write(path, []);
        Assert.Empty(EpochFile.Read(path));
    }

    [Fact]
    public void A_temp_file_left_by_a_crash_is_ignored()
    {
        using var dir = new TempDirectory("epochs");
        string path = Path.Combine(dir.Path, "epochs");
        EpochFile.Write(path, [new EpochEntry(1, 0)]);
        File.WriteAllBytes(path + ".tmp", [1, 2, 3]); // the interrupted write of a newer history
        Assert.Equal([new EpochEntry(1, 0)], EpochFile.Read(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Theory]
    [InlineData(0, "magic")]
    [InlineData(5, "version")]
    [InlineData(9, "entries")]
    [InlineData(20, "CRC")]
    [InlineData(-1, "bytes, shorter")]
    public void A_damaged_file_is_named_and_never_read_as_empty(int flip, string problem)
    {
        using var dir = new TempDirectory("epochs");
        string path = Path.Combine(dir.Path, "epochs");
        EpochFile.Write(path, [new EpochEntry(1, 0), new EpochEntry(2, 99)]);
        var bytes = File.ReadAllBytes(path);
        if (flip < 0) bytes = bytes[..10];
        else bytes[flip] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<StoreCorruptException>(() => EpochFile.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void A_store_with_a_damaged_epoch_file_does_not_open()
    {
        using var dir = new TempDirectory("epochs");
        var settings = ReplicaStores.ReplicaSettings(dir.Path);
        using (var store = MessageStore.Open(settings))
        {
            store.AppendAll(TestMessages.Message());
            Assert.Null(store.BeginEpoch(1, store.MaxOffset));
            store.Shutdown();
        }
        var bytes = File.ReadAllBytes(Path.Combine(dir.Path, "epochs"));
        bytes[^6] ^= 1;
        File.WriteAllBytes(Path.Combine(dir.Path, "epochs"), bytes);
        var error = Assert.Throws<StoreCorruptException>(() => MessageStore.Open(settings));
        Assert.Contains(Path.Combine(dir.Path, "epochs"), error.Message);
        Assert.Contains("CRC", error.Message);
        File.Delete(Path.Combine(dir.Path, "epochs"));
        using var store2 = MessageStore.Open(settings);
        Assert.Empty(store2.Epochs);
    }

    [Fact]
    public void Epochs_persist_and_a_new_epoch_must_be_higher_and_within_the_log()
    {
        using var dir = new TempDirectory("epochs");
        var settings = ReplicaStores.ReplicaSettings(dir.Path);
        using (var store = MessageStore.Open(settings))
        {
            Assert.Equal(0, store.CurrentEpoch);
            Assert.Null(store.BeginEpoch(1, 0));
            store.AppendAll(TestMessages.Message(), TestMessages.Message());
            long end = store.MaxOffset;
            Assert.Contains("not above this store's current epoch 1", store.BeginEpoch(1, end));
            Assert.Contains($"beyond this log's end {end}", store.BeginEpoch(2, end + 1));
            Assert.Null(store.BeginEpoch(3, end));
            Assert.Contains("before the current epoch 3's start", store.BeginEpoch(4, end - 1));
            store.Dispose(); // crash
        }
        using var reopened = MessageStore.Open(settings);
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(3, reopened.MaxOffset)], reopened.Epochs);
        Assert.Equal(3, reopened.CurrentEpoch);
    }
}
