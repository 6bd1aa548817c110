namespace Rocket.Store.Log;

/// <summary>
/// Next queue offset per (topic, queue id): assigned by the journal inside the append, so offsets are contiguous
/// and in log order (RocketMQ's topicQueueTable). Owned by the single writer; rebuilt from the consume queues at start.
/// </summary>
public sealed class QueueOffsetTable
{
    private readonly Dictionary<(string Topic, int QueueId), long> _next = new();

    public long Peek(string topic, int queueId) => _next.GetValueOrDefault((topic, queueId));

    public long TakeNext(string topic, int queueId)
    {
        ref long slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_next, (topic, queueId), out _);
        return slot++;
    }

    public void Set(string topic, int queueId, long next) => _next[(topic, queueId)] = next;

    /// <summary>Forgets every queue of <paramref name="topic"/> (a tombstone): its next offsets start at 0 again.</summary>
    public void Remove(string topic)
    {
        foreach (var key in _next.Keys.Where(k => k.Topic == topic).ToList()) _next.Remove(key);
    }

    /// <summary>Forgets every queue (a replica's log was emptied or cut; the caller sets the truncated state).</summary>
    public void Clear() => _next.Clear();

    public int Count => _next.Count;
}
