using Rocket.Protocol;
using Rocket.Store.Replication;

namespace Rocket.Broker.Replication;

/// <summary>
/// RocketMQ 5's epoch rule: two replicas hold the same bytes up to the end of the newest epoch both hold with the
/// same start, where an epoch ends at the next epoch's start (or the log's end). A log that never began an epoch
/// is all in the implicit epoch 0 from offset 0.
/// </summary>
public static class EpochHistory
{
    /// <summary>The offset up to which <paramref name="a"/> and <paramref name="b"/> agree (their logs end at the given max offsets).</summary>
    public static long ConsistentOffset(IReadOnlyList<EpochEntry> a, long aMax, IReadOnlyList<EpochEntry> b, long bMax)
    {
        var x = Normalized(a);
        var y = Normalized(b);
        for (int i = x.Count - 1; i >= 0; i--)
        {
            int j = y.FindIndex(e => e.Epoch == x[i].Epoch);
            if (j < 0 || y[j].StartOffset != x[i].StartOffset) continue;
            long endX = i + 1 < x.Count ? x[i + 1].StartOffset : aMax;
            long endY = j + 1 < y.Count ? y[j + 1].StartOffset : bMax;
            return Math.Min(endX, endY);
        }
        return 0;
    }

    private static List<EpochEntry> Normalized(IReadOnlyList<EpochEntry> history)
    {
        var list = new List<EpochEntry>(history.Count + 1);
        if (history.Count == 0 || history[0].Epoch != 0) list.Add(new EpochEntry(0, 0));
        list.AddRange(history);
        return list;
    }

    public static ReplicaEpoch[] ToWire(IReadOnlyList<EpochEntry> history) =>
        history.Select(e => new ReplicaEpoch(e.Epoch, e.StartOffset)).ToArray();

    public static EpochEntry[] FromWire(ReplicaEpoch[]? history) =>
        (history ?? []).Select(e => new EpochEntry(e.Epoch, e.StartOffset)).ToArray();

    /// <summary>The newest epoch of a history (0 for none).</summary>
    public static long Current(IReadOnlyList<EpochEntry> history) => history.Count == 0 ? 0 : history[^1].Epoch;

    /// <summary>The start of the first epoch that begins after <paramref name="offset"/>, or null: a chunk must not cross it.</summary>
    public static long? NextStartAfter(IReadOnlyList<EpochEntry> history, long offset)
    {
        foreach (var e in history) if (e.StartOffset > offset) return e.StartOffset;
        return null;
    }
}
