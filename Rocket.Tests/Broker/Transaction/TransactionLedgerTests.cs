using Rocket.Broker.Transaction;
using Xunit;

namespace Rocket.Tests.Broker.Transaction;

public sealed class TransactionLedgerTests
{
    [Fact]
    public void Progress_moves_over_contiguous_settled_halves_only()
    {
        var ledger = new TransactionLedger(0, 0);
        ledger.Record(0, new OpRecord(OpKind.Commit, 1), 0);
        Assert.Equal(0, ledger.HalfProgress); // half 0 is still open
        Assert.True(ledger.IsSettled(1));
        Assert.False(ledger.IsSettled(0));
        ledger.Record(1, new OpRecord(OpKind.RolledBack, 0), 0);
        Assert.Equal(2, ledger.HalfProgress);
        Assert.Equal(0, ledger.Tracked);
        Assert.Equal(2, ledger.OpProgress); // nothing about halves >= 2 yet: the op queue's end
    }

    [Fact]
    public void Checks_are_counted_and_keep_the_op_progress_at_the_first_record_still_needed()
    {
        var ledger = new TransactionLedger(0, 10);
        ledger.Record(10, new OpRecord(OpKind.Checked, 0), 1_000);
        ledger.Record(11, new OpRecord(OpKind.Commit, 1), 1_100);
        ledger.Record(12, new OpRecord(OpKind.Checked, 0), 2_000);
        Assert.Equal(2, ledger.ChecksOf(0));
        Assert.Equal(2_000, ledger.LastCheckOf(0));
        Assert.Equal(0, ledger.HalfProgress);
        Assert.Equal(10, ledger.OpProgress);

        ledger.Record(13, new OpRecord(OpKind.Discarded, 0), 3_000);
        Assert.Equal(2, ledger.HalfProgress);
        Assert.Equal(14, ledger.OpProgress);
    }

    [Fact]
    public void A_ledger_rebuilt_from_the_op_records_after_its_stored_progress_knows_the_same()
    {
        // Halves 0..5; ops written in this order (op offset = index).
        var ops = new[]
        {
            new OpRecord(OpKind.Commit, 0), new OpRecord(OpKind.Checked, 2), new OpRecord(OpKind.Commit, 1),
            new OpRecord(OpKind.Checked, 2), new OpRecord(OpKind.RolledBack, 4), new OpRecord(OpKind.Commit, 3),
        };
        var live = new TransactionLedger(0, 0);
        for (int i = 0; i < ops.Length; i++) live.Record(i, ops[i], 100 * i);

        var rebuilt = new TransactionLedger(live.HalfProgress, live.OpProgress);
        for (int i = (int)live.OpProgress; i < ops.Length; i++) rebuilt.Record(i, ops[i], 100 * i);

        Assert.Equal(2, live.HalfProgress);
        Assert.Equal(1, live.OpProgress); // the first check of half 2
        Assert.Equal(live.HalfProgress, rebuilt.HalfProgress);
        Assert.Equal(live.OpProgress, rebuilt.OpProgress);
        for (long half = 0; half < 6; half++)
        {
            Assert.Equal(live.IsSettled(half), rebuilt.IsSettled(half));
            Assert.Equal(live.ChecksOf(half), rebuilt.ChecksOf(half));
        }
    }

    [Fact]
    public void A_half_settled_without_its_record_counts_as_settled_and_gone_halves_are_passed()
    {
        var ledger = new TransactionLedger(5, 0);
        ledger.SettleWithoutRecord(6);
        Assert.True(ledger.IsSettled(6));
        Assert.Equal(5, ledger.HalfProgress);
        ledger.SkipGone(5);
        Assert.Equal(7, ledger.HalfProgress);
        Assert.True(ledger.IsSettled(3)); // below the progress
    }
}
