using Rocket.Protocol;
using Rocket.Store;

namespace Rocket.Broker.Admin;

/// <summary>
/// A group's view on one broker: its live members and, per queue, offsets, lag inputs, owner and last activity. The
/// queues are every readable queue this broker has of the topics the members subscribe to, committed or not, plus
/// every queue the group committed an offset for (a group without live members shows what it committed).
/// </summary>
internal static class GroupDetailBuilder
{
    public static GroupDetail Build(string brokerName, string group, GroupMembers members,
        IReadOnlyDictionary<(string Topic, int QueueId), long> committed, IReadOnlyDictionary<string, TopicConfig> topics,
        MessageStore store, QueueActivity activity)
    {
        var queues = new SortedSet<(string Topic, int QueueId)>(Comparer<(string Topic, int QueueId)>.Create((a, b) =>
        {
            int byTopic = string.CompareOrdinal(a.Topic, b.Topic);
            return byTopic != 0 ? byTopic : a.QueueId.CompareTo(b.QueueId);
        }));
        foreach (var topic in members.Members.SelectMany(m => m.Member.Topics).Distinct())
            if (topics.TryGetValue(topic, out var config))
                for (int queueId = 0; queueId < config.ReadQueues; queueId++) queues.Add((topic, queueId));
        foreach (var key in committed.Keys) queues.Add(key);

        var details = queues.Select(q =>
        {
            var seen = activity.Find(group, q.Topic, q.QueueId);
            return new QueueDetail(q.Topic, q.QueueId, store.GetMinOffset(q.Topic, q.QueueId), store.GetMaxOffset(q.Topic, q.QueueId),
                committed.TryGetValue(q, out long offset) ? offset : -1, OwnerOf(seen, members),
                seen?.LastPullTimestamp ?? 0, seen?.LastCommitTimestamp ?? 0);
        }).ToArray();
        return new GroupDetail(brokerName, group, members.Members.Select(m => m.Member).ToArray(), details);
    }

    /// <summary>The live member whose consumer actor is the parent of the queue's last puller.</summary>
    private static string? OwnerOf(QueueActivity.Entry? seen, GroupMembers members)
    {
        if (seen?.Puller is not { } puller) return null;
        var consumerPath = puller.Parent;
        foreach (var (member, path) in members.Members)
            if (path.Equals(consumerPath)) return member.ClientId;
        return null;
    }
}
