using Rocket.Store.Replication;
using Xunit;

namespace Rocket.Tests.Store.Replication;

public class EpochHistoryTests
{
    private static EpochEntry[] H(params (long Epoch, long Start)[] entries) => entries.Select(e => new EpochEntry(e.Epoch, e.Start)).ToArray();

    [Fact]
    public void Same_history_agrees_up_to_the_shorter_log() =>
        Assert.Equal(700, EpochHistory.ConsistentOffset(H((1, 0), (2, 500)), 900, H((1, 0), (2, 500)), 700));

    [Fact]
    public void A_returning_master_agrees_up_to_where_the_new_epoch_began()
    {
        // The old master wrote on in epoch 1 up to 1200; the slave took over at 800 with epoch 2.
        Assert.Equal(800, EpochHistory.ConsistentOffset(H((1, 0)), 1200, H((1, 0), (2, 800)), 1500));
        // The new master has not written in epoch 2 yet: still the end of its epoch 1.
        Assert.Equal(800, EpochHistory.ConsistentOffset(H((1, 0)), 1200, H((1, 0), (2, 800)), 800));
    }

    [Fact]
    public void An_epoch_with_different_starts_is_not_shared()
    {
        // Both hold an epoch 3, but it began elsewhere: they agree only up to the end of epoch 2 (the earlier of its ends).
        Assert.Equal(400, EpochHistory.ConsistentOffset(H((1, 0), (2, 300), (3, 400)), 1000, H((1, 0), (2, 300), (3, 450)), 1000));
    }

    [Fact]
    public void Logs_without_entries_count_as_epoch_0_from_0()
    {
        Assert.Equal(300, EpochHistory.ConsistentOffset([], 300, [], 500));
        Assert.Equal(0, EpochHistory.ConsistentOffset([], 300, H((1, 0)), 500)); // nothing shared
        Assert.Equal(0, EpochHistory.ConsistentOffset(H((1, 0)), 300, H((2, 0)), 500));
    }

    [Fact]
    public void Problems_name_the_entry()
    {
        Assert.Null(EpochHistory.Problem(H((1, 0), (2, 0), (5, 10))));
        Assert.Contains("epochs start at 1", EpochHistory.Problem(H((0, 0))));
        Assert.Contains("not above the epoch 2", EpochHistory.Problem(H((2, 0), (2, 10))));
        Assert.Contains("before epoch 1's start 10", EpochHistory.Problem(H((1, 10), (2, 5))));
    }
}
