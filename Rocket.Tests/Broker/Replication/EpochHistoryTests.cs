using Rocket.Broker.Replication;
using Rocket.Store.Replication;
using Xunit;

namespace Rocket.Tests.Broker.Replication;

/// <summary>RocketMQ 5's epoch rule: where two replicas' logs stop agreeing.</summary>
public sealed class EpochHistoryTests
{
    private static EpochEntry[] H(params (long Epoch, long Start)[] entries) => entries.Select(e => new EpochEntry(e.Epoch, e.Start)).ToArray();

    [Fact]
    public void Logs_without_epochs_agree_up_to_the_shorter_one() =>
        Assert.Equal(300, EpochHistory.ConsistentOffset(H(), 500, H(), 300));

    [Fact]
    public void An_old_master_cuts_what_it_wrote_after_the_new_epoch_began_elsewhere()
    {
        // The slave became master of epoch 1 at 400; the old master had gone on writing epoch 0 up to 700.
        var newMaster = H((1, 400));
        Assert.Equal(400, EpochHistory.ConsistentOffset(newMaster, 900, H(), 700));
    }

    [Fact]
    public void A_slave_that_lags_inside_the_same_epoch_keeps_all_it_has() =>
        Assert.Equal(800, EpochHistory.ConsistentOffset(H((1, 400), (2, 600)), 1000, H((1, 400), (2, 600)), 800));

    [Fact]
    public void The_newest_common_epoch_with_the_same_start_decides()
    {
        // Epoch 2 started at 600 on one and at 650 on the other: only epoch 1 is common, it ends at the earlier start.
        Assert.Equal(600, EpochHistory.ConsistentOffset(H((1, 400), (2, 600)), 1000, H((1, 400), (2, 650)), 900));
    }

    [Fact]
    public void Chunks_stop_at_the_next_epoch_start()
    {
        var h = H((1, 400), (2, 600));
        Assert.Equal(400, EpochHistory.NextStartAfter(h, 100));
        Assert.Equal(600, EpochHistory.NextStartAfter(h, 400));
        Assert.Null(EpochHistory.NextStartAfter(h, 600));
    }
}
