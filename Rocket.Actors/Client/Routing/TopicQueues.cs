using Rocket.Protocol;

namespace Rocket.Client.Routing;

/// <summary>
/// A route answer seen as queues: writable ones for producers (on masters only), readable ones for consumers (on a
/// master, else on a slave of its group), and where each broker group is written and read.
/// </summary>
internal sealed class TopicQueues
{
    private TopicQueues(string topic, IReadOnlyList<MessageQueue> writable, IReadOnlyList<MessageQueue> readable,
        IReadOnlyDictionary<string, string> masterPaths, IReadOnlyDictionary<string, BrokerAddress[]> groups)
    {
        Topic = topic;
        Writable = writable;
        Readable = readable;
        MasterPaths = masterPaths;
        Groups = groups;
        SingleBroker = writable.Count > 0 && writable.All(q => q.BrokerName == writable[0].BrokerName);
    }

    public string Topic { get; }

    /// <summary>Writable queues of broker groups with a live master, sorted by broker name then queue id.</summary>
    public IReadOnlyList<MessageQueue> Writable { get; }

    /// <summary>
    /// Readable queues of broker groups with a live master or, without one, a live slave (RocketMQ's consumers read a
    /// slave while the master is down), sorted by broker name then queue id.
    /// </summary>
    public IReadOnlyList<MessageQueue> Readable { get; }

    /// <summary>Every writable queue is on one broker: a send has nowhere else to go.</summary>
    public bool SingleBroker { get; }

    /// <summary>Broker name → actor path of its master (by role and epoch, see <see cref="BrokerGroupRoles"/>); groups without a master are absent.</summary>
    public IReadOnlyDictionary<string, string> MasterPaths { get; }

    /// <summary>Broker name → every live broker of the group, sorted by broker id.</summary>
    public IReadOnlyDictionary<string, BrokerAddress[]> Groups { get; }

    /// <summary>Broker names of the routed groups without a live master (a slave serves their reads), in name order.</summary>
    public IEnumerable<string> WithoutMaster => Groups.Keys.Where(n => !MasterPaths.ContainsKey(n)).Order(StringComparer.Ordinal);

    /// <summary>Where <paramref name="brokerName"/>'s queues are read: its master, else its most advanced slave; null when not routed.</summary>
    public BrokerAddress? ReadFrom(string brokerName) =>
        Groups.TryGetValue(brokerName, out var group) ? BrokerGroupRoles.ReadFrom(group) : null;

    public static TopicQueues From(TopicRouteAnswer answer)
    {
        var masters = new Dictionary<string, string>(StringComparer.Ordinal);
        var groups = new Dictionary<string, BrokerAddress[]>(StringComparer.Ordinal);
        var writable = new List<MessageQueue>();
        var readable = new List<MessageQueue>();
        if (answer.Route is { } route)
        {
            foreach (var group in route.Brokers.GroupBy(b => b.BrokerName))
            {
                groups[group.Key] = [.. group.OrderBy(b => b.BrokerId)];
                if (BrokerGroupRoles.MasterOf(group) is { } master) masters[group.Key] = master.Path;
            }
            foreach (var q in route.Queues)
            {
                if (!groups.ContainsKey(q.BrokerName)) continue;
                // Producers write to masters only: a group without one keeps its queues readable, never writable.
                if (q.Perm.HasFlag(TopicPerm.Write) && masters.ContainsKey(q.BrokerName))
                    for (int i = 0; i < q.WriteQueues; i++) writable.Add(new MessageQueue(answer.Topic, q.BrokerName, i));
                if (q.Perm.HasFlag(TopicPerm.Read))
                    for (int i = 0; i < q.ReadQueues; i++) readable.Add(new MessageQueue(answer.Topic, q.BrokerName, i));
            }
        }
        else
        {
            // Not created yet: brokers with auto-create take the first send and create the topic with their default queues.
            foreach (var group in answer.AutoCreateBrokers.GroupBy(b => b.BrokerName))
            {
                if (BrokerGroupRoles.MasterOf(group) is not { } b) continue;
                masters[b.BrokerName] = b.Path;
                groups[b.BrokerName] = [b];
                for (int i = 0; i < Math.Max(1, answer.DefaultQueueNums); i++) writable.Add(new MessageQueue(answer.Topic, b.BrokerName, i));
            }
        }
        return new TopicQueues(answer.Topic, Sort(writable), Sort(readable), masters, groups);
    }

    private static List<MessageQueue> Sort(List<MessageQueue> queues)
    {
        queues.Sort((a, b) => string.CompareOrdinal(a.BrokerName, b.BrokerName) is var c and not 0 ? c : a.QueueId.CompareTo(b.QueueId));
        return queues;
    }
}
