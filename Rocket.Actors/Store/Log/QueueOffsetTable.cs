namespace Rocket.Store.Log;

/// <summary>
/// Next queue offset per (topic, queue id): assigned by the journal inside the append, so offsets are contiguous
/// and in log order (RocketMQ's topicQueueTable). Owned by the single writer; rebuilt from the consume queues at start.
/// The offsets taken for records that then fail to reach the log are given back (<see cref="UndoChanges"/>), so a
/// queue never has an offset without a record.
/// </summary>
public sealed class QueueOffsetTable
{
    private readonly Dictionary<(string Topic, int QueueId), long> _next = new();
    /// <summary>While tracking: each change since the last <see cref="KeepChanges"/>, the queue and its earlier next offset (null: it had none).</summary>
    private readonly List<((string Topic, int QueueId) Queue, long? Before)> _changes = new();
    private bool _tracking;

    public long Peek(string topic, int queueId) => _next.GetValueOrDefault((topic, queueId));

    public long TakeNext(string topic, int queueId)
    {
        ref long slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_next, (topic, queueId), out bool existed);
        if (_tracking) _changes.Add(((topic, queueId), existed ? slot : null));
        return slot++;
    }

    /// <summary>Starts remembering changes, so that they can be undone until kept (the journal's append).</summary>
    public void TrackChanges()
    {
        _changes.Clear();
        _tracking = true;
    }

    /// <summary>The changes so far are final (their records are in the log); later ones are still tracked.</summary>
    public void KeepChanges() => _changes.Clear();

    /// <summary>Puts back every offset taken or forgotten since the last <see cref="KeepChanges"/>, newest first.</summary>
    public void UndoChanges()
    {
        for (int i = _changes.Count - 1; i >= 0; i--)
        {
            var (queue, before) = _changes[i];
            if (before is { } next) _next[queue] = next;
            else _next.Remove(queue);
        }
        _changes.Clear();
    }

    /// <summary>Keeps every change and stops tracking.</summary>
    public void StopTracking()
    {
        _changes.Clear();
        _tracking = false;
    }

    public void Set(string topic, int queueId, long next) => _next[(topic, queueId)] = next;

    /// <summary>Forgets every queue of <paramref name="topic"/> (a tombstone): its next offsets start at 0 again.</summary>
    public void Remove(string topic)
    {
        foreach (var key in _next.Keys.Where(k => k.Topic == topic).ToList())
        {
            if (_tracking) _changes.Add((key, _next[key]));
            _next.Remove(key);
        }
    }

    /// <summary>Forgets every queue (a replica's log was emptied or cut; the caller sets the truncated state).</summary>
    public void Clear()
    {
        _next.Clear();
        _changes.Clear();
    }

    public int Count => _next.Count;
}
