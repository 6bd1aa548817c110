using Akka.Actor;

namespace Rocket.Broker.Transaction;

/// <summary>
/// The live producers of each producer group on this broker (RocketMQ's ProducerManager), owned by the transaction
/// actor: they join by heartbeat and leave by unregistering, by heartbeat expiry, or when their checker stops or its
/// process's connection closes.
/// </summary>
public sealed class ProducerRegistry
{
    private sealed record Producer(string ClientId, IActorRef Checker, DateTime LastSeen);

    private readonly Dictionary<string, Dictionary<string, Producer>> _groups = new(StringComparer.Ordinal);
    private int _next;

    /// <summary>Records a heartbeat; true when the producer is new to the group (the caller watches its checker).</summary>
    public bool Heartbeat(string group, string clientId, IActorRef checker, DateTime now)
    {
        if (!_groups.TryGetValue(group, out var producers)) _groups[group] = producers = new(StringComparer.Ordinal);
        bool known = producers.TryGetValue(clientId, out var old) && old.Checker.Equals(checker);
        producers[clientId] = new Producer(clientId, checker, now);
        return !known;
    }

    /// <summary>Removes one producer; returns its checker (null when it was not registered).</summary>
    public IActorRef? Remove(string group, string clientId)
    {
        if (!_groups.TryGetValue(group, out var producers) || !producers.Remove(clientId, out var removed)) return null;
        if (producers.Count == 0) _groups.Remove(group);
        return removed.Checker;
    }

    /// <summary>Removes every producer whose checker is <paramref name="gone"/> (it stopped, or its process's connection closed).</summary>
    public IReadOnlyList<(string Group, string ClientId)> RemoveCheckersWhere(Func<IActorRef, bool> gone) => RemoveWhere(p => gone(p.Checker));

    /// <summary>Removes producers silent since <paramref name="cutoff"/>.</summary>
    public IReadOnlyList<(string Group, string ClientId)> Expire(DateTime cutoff) => RemoveWhere(p => p.LastSeen < cutoff);

    /// <summary>Whether another registered producer still uses <paramref name="checker"/> (then it stays watched).</summary>
    public bool Uses(IActorRef checker) => _groups.Values.Any(g => g.Values.Any(p => p.Checker.Equals(checker)));

    /// <summary>One live producer of the group, taken in turn; null when the group has none.</summary>
    public IActorRef? Pick(string group)
    {
        if (!_groups.TryGetValue(group, out var producers) || producers.Count == 0) return null;
        var ordered = producers.Values.OrderBy(p => p.ClientId, StringComparer.Ordinal).ToArray();
        return ordered[(int)((uint)_next++ % (uint)ordered.Length)].Checker;
    }

    public string[] ClientIdsOf(string group) =>
        _groups.TryGetValue(group, out var producers) ? producers.Keys.Order(StringComparer.Ordinal).ToArray() : [];

    private List<(string Group, string ClientId)> RemoveWhere(Func<Producer, bool> gone)
    {
        var removed = new List<(string, string)>();
        foreach (var (group, producers) in _groups.ToArray())
        {
            foreach (var p in producers.Values.Where(gone).ToArray())
            {
                producers.Remove(p.ClientId);
                removed.Add((group, p.ClientId));
            }
            if (producers.Count == 0) _groups.Remove(group);
        }
        return removed;
    }
}
