using Rocket.Store;
using Rocket.Store.Recovery;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Store;

public class CheckpointAndLockTests
{
    [Fact]
    public void A_checkpoint_round_trips()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("checkpoint");
        new Checkpoint(123, 45, 1_700_000_000_000).Write(path);
        Assert.Equal(new Checkpoint(123, 45, 1_700_000_000_000), Checkpoint.Read(path));
    }

    [Fact]
    public void A_missing_or_damaged_checkpoint_reads_as_empty_so_recovery_scans_everything()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("checkpoint");
        Assert.Equal(Checkpoint.Empty, Checkpoint.Read(path));
        new Checkpoint(123, 45, 6).Write(path);
        var bytes = File.ReadAllBytes(path);
        bytes[6] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        Assert.Equal(Checkpoint.Empty, Checkpoint.Read(path));
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Equal(Checkpoint.Empty, Checkpoint.Read(path));
    }

    [Fact]
    public void A_second_lock_on_the_same_store_fails_with_a_clear_message_until_the_first_is_released()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("lock");
        using (StoreLock.Acquire(path))
        {
            var e = Assert.Throws<StoreLockedException>(() => StoreLock.Acquire(path));
            Assert.Contains("already in use by another process", e.Message);
            Assert.Contains($"pid {Environment.ProcessId}", e.Message);
        }
        using var again = StoreLock.Acquire(path);
    }
}
