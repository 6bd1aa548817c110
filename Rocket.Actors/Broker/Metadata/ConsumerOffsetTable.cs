using Rocket.Protocol;

namespace Rocket.Broker.Metadata;

/// <summary>In-memory consumer offsets: group → (topic, queue) → next offset to consume. Owned by one actor.</summary>
internal sealed class ConsumerOffsetTable
{
    private readonly Dictionary<string, Dictionary<(string Topic, int QueueId), long>> _groups = new();

    /// <summary>-1 when the group has no stored offset for the queue.</summary>
    public long Get(string group, string topic, int queueId) =>
        _groups.TryGetValue(group, out var queues) && queues.TryGetValue((topic, queueId), out long offset) ? offset : -1;

    /// <summary>
    /// The offsets of a commit that differ from the stored ones, last one winning within the commit. Any offset ≥ 0
    /// counts, lower ones too: RocketMQ lets a consumer rewind. Negative offsets are not offsets and are dropped.
    /// </summary>
    public QueueOffset[] Changes(string group, QueueOffset[] offsets)
    {
        _groups.TryGetValue(group, out var queues);
        var latest = new Dictionary<(string, int), QueueOffset>();
        foreach (var o in offsets)
            if (o.Offset >= 0 && o.QueueId >= 0 && !string.IsNullOrEmpty(o.Topic)) latest[(o.Topic, o.QueueId)] = o;
        return latest.Values
            .Where(o => queues is null || !queues.TryGetValue((o.Topic, o.QueueId), out long stored) || stored != o.Offset)
            .ToArray();
    }

    public void Apply(OffsetsCommitted committed)
    {
        if (!_groups.TryGetValue(committed.Group, out var queues)) _groups[committed.Group] = queues = new();
        foreach (var o in committed.Offsets) queues[(o.Topic, o.QueueId)] = o.Offset;
    }

    /// <summary>Drops every group's offsets on <paramref name="topic"/>; groups left with none are forgotten.</summary>
    public void RemoveTopic(string topic)
    {
        foreach (var (group, queues) in _groups.ToArray())
        {
            foreach (var key in queues.Keys.Where(k => k.Topic == topic).ToArray()) queues.Remove(key);
            if (queues.Count == 0) _groups.Remove(group);
        }
    }

    public void Load(GroupQueueOffset[] offsets)
    {
        _groups.Clear();
        foreach (var o in offsets) Apply(new OffsetsCommitted(o.Group, [new QueueOffset(o.Topic, o.QueueId, o.Offset)]));
    }

    public IReadOnlyDictionary<(string Topic, int QueueId), long> OfGroup(string group) =>
        _groups.TryGetValue(group, out var queues)
            ? new Dictionary<(string Topic, int QueueId), long>(queues)
            : new Dictionary<(string Topic, int QueueId), long>();

    public GroupQueueOffset[] All() =>
        _groups.SelectMany(g => g.Value.Select(q => new GroupQueueOffset(g.Key, q.Key.Topic, q.Key.QueueId, q.Value))).ToArray();
}
