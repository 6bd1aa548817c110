namespace Rocket.Store.Replication;

/// <summary>Rules over epoch histories (RocketMQ 5's epoch cache), pure functions.</summary>
public static class EpochHistory
{
    /// <summary>
    /// The largest offset up to which two logs with these histories must hold the same bytes: the end of the newest
    /// epoch both hold with the same start offset, capped by both logs' max offsets (an epoch ends where the next one
    /// in that log starts, the last one at the log's max offset). A log without entries counts as epoch 0 from offset 0.
    /// 0 when they share no epoch. The follower truncates its log there, then copies the leader's bytes from there.
    /// </summary>
    public static long ConsistentOffset(IReadOnlyList<EpochEntry> mine, long myMaxOffset, IReadOnlyList<EpochEntry> leader, long leaderMaxOffset)
    {
        var my = OrZero(mine);
        var their = OrZero(leader);
        for (int i = my.Count - 1; i >= 0; i--)
        {
            int j = IndexOf(their, my[i].Epoch);
            if (j < 0 || their[j].StartOffset != my[i].StartOffset) continue;
            long myEnd = i + 1 < my.Count ? my[i + 1].StartOffset : myMaxOffset;
            long theirEnd = j + 1 < their.Count ? their[j + 1].StartOffset : leaderMaxOffset;
            return Math.Max(0, Math.Min(Math.Min(myEnd, theirEnd), Math.Min(myMaxOffset, leaderMaxOffset)));
        }
        return 0;
    }

    private static readonly EpochEntry[] EpochZero = [new EpochEntry(0, 0)];

    private static IReadOnlyList<EpochEntry> OrZero(IReadOnlyList<EpochEntry> entries) => entries.Count == 0 ? EpochZero : entries;

    private static int IndexOf(IReadOnlyList<EpochEntry> entries, long epoch)
    {
        for (int i = entries.Count - 1; i >= 0; i--)
            if (entries[i].Epoch == epoch) return i;
        return -1;
    }

    /// <summary>
    /// Why <paramref name="entries"/> is not a valid history (epochs above 0 and strictly increasing, start offsets
    /// not negative and never decreasing), or null when it is.
    /// </summary>
    public static string? Problem(IReadOnlyList<EpochEntry> entries)
    {
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.Epoch <= 0) return $"entry {i} has epoch {e.Epoch}; epochs start at 1";
            if (e.StartOffset < 0) return $"entry {i} (epoch {e.Epoch}) starts at the negative offset {e.StartOffset}";
            if (i == 0) continue;
            var before = entries[i - 1];
            if (e.Epoch <= before.Epoch) return $"entry {i} has epoch {e.Epoch}, not above the epoch {before.Epoch} before it";
            if (e.StartOffset < before.StartOffset)
                return $"entry {i} (epoch {e.Epoch}) starts at {e.StartOffset}, before epoch {before.Epoch}'s start {before.StartOffset}";
        }
        return null;
    }
}
