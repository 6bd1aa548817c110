namespace Rocket.Broker.Replication;

/// <summary>
/// SYNC_MASTER's group commit across slaves (like the flush's): one wait list in offset order, answered from the
/// front as the confirmed offset passes each end, or at each one's deadline.
/// </summary>
public sealed class SyncReplicaWaits
{
    private readonly LinkedList<AwaitReplicas> _waits = new();

    public int Count => _waits.Count;

    public DateTimeOffset? EarliestDeadline => _waits.First?.Value.Deadline;

    /// <summary>Adds a wait, keeping offset order (the produce path appends in order, so this is an append).</summary>
    public void Add(AwaitReplicas wait)
    {
        var node = _waits.Last;
        while (node is not null && node.Value.EndOffset > wait.EndOffset) node = node.Previous;
        if (node is null) _waits.AddFirst(wait);
        else _waits.AddAfter(node, wait);
    }

    /// <summary>Removes and returns the waits whose end is at or below <paramref name="confirmed"/>.</summary>
    public List<AwaitReplicas> Confirmed(long confirmed)
    {
        var done = new List<AwaitReplicas>();
        while (_waits.First is { } first && first.Value.EndOffset <= confirmed)
        {
            done.Add(first.Value);
            _waits.RemoveFirst();
        }
        return done;
    }

    /// <summary>Removes and returns the waits past their deadline.</summary>
    public List<AwaitReplicas> Expired(DateTimeOffset now)
    {
        var done = new List<AwaitReplicas>();
        for (var node = _waits.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Deadline <= now)
            {
                done.Add(node.Value);
                _waits.Remove(node);
            }
            node = next;
        }
        return done;
    }

    public List<AwaitReplicas> All()
    {
        var all = _waits.ToList();
        _waits.Clear();
        return all;
    }
}
