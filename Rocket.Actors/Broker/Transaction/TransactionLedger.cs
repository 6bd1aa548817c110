namespace Rocket.Broker.Transaction;

/// <summary>
/// What the op records say about the half messages at or after the check's progress (owned by the transaction
/// actor): which are settled, how often each was checked and when last. <see cref="HalfProgress"/> (H) is the first
/// half-queue offset not known to be settled: every half below it is committed, rolled back or discarded.
/// <see cref="OpProgress"/> (O) is the first op-queue offset still needed: every op record about a half at or after
/// H lies at or after O, so reading the op queue from O after a restart rebuilds this ledger exactly. Both are
/// stored as the progress of group CID_RMQ_SYS_TRANS.
/// </summary>
public sealed class TransactionLedger
{
    private sealed class Half
    {
        public bool Settled;
        public int Checks;
        public long LastCheckMs;
        public long FirstOpOffset = long.MaxValue;
    }

    private readonly Dictionary<long, Half> _halves = new();
    private long _opEnd;

    /// <param name="halfProgress">H as stored (0 when none was).</param>
    /// <param name="opProgress">O as stored (0 when none was); op records are then <see cref="Record"/>ed from it.</param>
    public TransactionLedger(long halfProgress, long opProgress)
    {
        HalfProgress = Math.Max(0, halfProgress);
        _opEnd = Math.Max(0, opProgress);
    }

    public long HalfProgress { get; private set; }

    /// <summary>Half messages at or after H the ledger holds op records for (settled or checked).</summary>
    public int Tracked => _halves.Count;

    /// <summary>Takes in one op record stored at <paramref name="opOffset"/> of the op queue at <paramref name="storeTimeMs"/>.</summary>
    public void Record(long opOffset, OpRecord op, long storeTimeMs)
    {
        _opEnd = Math.Max(_opEnd, opOffset + 1);
        if (op.HalfOffset < HalfProgress) return; // settled long ago; nothing left to know
        var half = StateOf(op.HalfOffset);
        half.FirstOpOffset = Math.Min(half.FirstOpOffset, opOffset);
        if (op.Kind == OpKind.Checked)
        {
            half.Checks++;
            half.LastCheckMs = Math.Max(half.LastCheckMs, storeTimeMs);
        }
        else half.Settled = true;
        Advance();
    }

    /// <summary>
    /// The half was settled but its op record could not be written: settled for as long as this process runs (and for
    /// good once H passes it); a restart before that may check it back once more (at-least-once).
    /// </summary>
    public void SettleWithoutRecord(long halfOffset)
    {
        if (halfOffset < HalfProgress) return;
        StateOf(halfOffset).Settled = true;
        Advance();
    }

    /// <summary>A check is being asked now (its op record is on its way): not asked again within transaction-timeout.</summary>
    public void NoteCheckAsked(long halfOffset, long nowMs)
    {
        if (halfOffset < HalfProgress) return;
        var half = StateOf(halfOffset);
        half.LastCheckMs = Math.Max(half.LastCheckMs, nowMs);
    }

    public bool IsSettled(long halfOffset) => halfOffset < HalfProgress || (_halves.TryGetValue(halfOffset, out var h) && h.Settled);

    public int ChecksOf(long halfOffset) => _halves.TryGetValue(halfOffset, out var h) ? h.Checks : 0;

    /// <summary>When the half was last checked (epoch ms), 0 if never.</summary>
    public long LastCheckOf(long halfOffset) => _halves.TryGetValue(halfOffset, out var h) ? h.LastCheckMs : 0;

    /// <summary>The half at H is gone from the store (retention, damage): nothing can settle it any more, move past it.</summary>
    public void SkipGone(long halfOffset)
    {
        if (halfOffset != HalfProgress) return;
        _halves.Remove(halfOffset);
        HalfProgress++;
        Advance();
    }

    public long OpProgress
    {
        get
        {
            long first = long.MaxValue;
            foreach (var half in _halves.Values) first = Math.Min(first, half.FirstOpOffset);
            return first == long.MaxValue ? _opEnd : first;
        }
    }

    private Half StateOf(long halfOffset)
    {
        if (!_halves.TryGetValue(halfOffset, out var half)) _halves[halfOffset] = half = new Half();
        return half;
    }

    private void Advance()
    {
        while (_halves.TryGetValue(HalfProgress, out var half) && half.Settled)
        {
            _halves.Remove(HalfProgress);
            HalfProgress++;
        }
    }
}
