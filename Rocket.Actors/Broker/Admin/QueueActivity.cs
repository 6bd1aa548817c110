using Akka.Actor;
using Rocket.Protocol;

namespace Rocket.Broker.Admin;

/// <summary>
/// When each group last pulled and last committed each queue on this broker, and which actor pulled (the owner a
/// <c>rocket group show</c> reports). Kept in memory by the broker actor (its state, one thread): a pull of a queue
/// already seen updates its entry in place, no allocation. Forgotten at restart; the admin shows 0 then.
/// </summary>
internal sealed class QueueActivity
{
    private readonly record struct Key(string Group, string Topic, int QueueId);

    internal sealed class Entry
    {
        public long LastPullTimestamp;
        public long LastCommitTimestamp;
        /// <summary>The last puller's path (its parent is the consumer actor a member heartbeats with).</summary>
        public ActorPath? Puller;
    }

    private readonly Dictionary<Key, Entry> _entries = new();
    private readonly Func<long> _nowMillis;

    public QueueActivity(Func<long>? nowMillis = null) =>
        _nowMillis = nowMillis ?? (static () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    public void Pulled(PullRequest pull, ActorPath? puller)
    {
        var entry = EntryOf(pull.Group, pull.Topic, pull.QueueId);
        entry.LastPullTimestamp = _nowMillis();
        entry.Puller = puller;
    }

    public void Committed(CommitOffsets commit)
    {
        long now = _nowMillis();
        foreach (var offset in commit.Offsets) EntryOf(commit.Group, offset.Topic, offset.QueueId).LastCommitTimestamp = now;
    }

    public Entry? Find(string group, string topic, int queueId) => _entries.GetValueOrDefault(new Key(group, topic, queueId));

    /// <summary>A deleted topic's queues go, so a re-created topic starts without history.</summary>
    public void ForgetTopic(string topic)
    {
        foreach (var key in _entries.Keys.Where(k => k.Topic == topic).ToArray()) _entries.Remove(key);
    }

    private Entry EntryOf(string group, string topic, int queueId)
    {
        var key = new Key(group, topic, queueId);
        if (!_entries.TryGetValue(key, out var entry)) _entries[key] = entry = new Entry();
        return entry;
    }
}
