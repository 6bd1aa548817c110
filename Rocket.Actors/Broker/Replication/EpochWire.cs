using Rocket.Protocol;
using Rocket.Store.Replication;

namespace Rocket.Broker.Replication;

/// <summary>Epoch histories as they travel between brokers, and where a chunk must stop (the rule itself: the store's EpochHistory).</summary>
public static class EpochWire
{
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
