using Rocket.Protocol;

namespace Rocket.Client.Routing;

/// <summary>A route answer seen as queues: writable ones for producers, readable ones for consumers, and master paths.</summary>
internal sealed class TopicQueues
{
    private TopicQueues(string topic, IReadOnlyList<MessageQueue> writable, IReadOnlyList<MessageQueue> readable,
        IReadOnlyDictionary<string, string> masterPaths)
    {
        Topic = topic;
        Writable = writable;
        Readable = readable;
        MasterPaths = masterPaths;
        SingleBroker = writable.Count > 0 && writable.All(q => q.BrokerName == writable[0].BrokerName);
    }

    public string Topic { get; }

    /// <summary>Writable queues of brokers with a live master, sorted by broker name then queue id.</summary>
    public IReadOnlyList<MessageQueue> Writable { get; }

    /// <summary>Readable queues of brokers with a live master, sorted by broker name then queue id.</summary>
    public IReadOnlyList<MessageQueue> Readable { get; }

    /// <summary>Every writable queue is on one broker: a send has nowhere else to go.</summary>
    public bool SingleBroker { get; }

    /// <summary>Broker name → actor path of its master (broker id 0).</summary>
    public IReadOnlyDictionary<string, string> MasterPaths { get; }

    public static TopicQueues From(TopicRouteAnswer answer)
    {
        var masters = new Dictionary<string, string>(StringComparer.Ordinal);
        var writable = new List<MessageQueue>();
        var readable = new List<MessageQueue>();
        if (answer.Route is { } route)
        {
            foreach (var b in route.Brokers)
                if (b.BrokerId == 0) masters[b.BrokerName] = b.Path;
            foreach (var q in route.Queues)
            {
                if (!masters.ContainsKey(q.BrokerName)) continue;
                if (q.Perm.HasFlag(TopicPerm.Write))
                    for (int i = 0; i < q.WriteQueues; i++) writable.Add(new MessageQueue(answer.Topic, q.BrokerName, i));
                if (q.Perm.HasFlag(TopicPerm.Read))
                    for (int i = 0; i < q.ReadQueues; i++) readable.Add(new MessageQueue(answer.Topic, q.BrokerName, i));
            }
        }
        else
        {
            // Not created yet: brokers with auto-create take the first send and create the topic with their default queues.
            foreach (var b in answer.AutoCreateBrokers.Where(b => b.BrokerId == 0))
            {
                masters[b.BrokerName] = b.Path;
                for (int i = 0; i < Math.Max(1, answer.DefaultQueueNums); i++) writable.Add(new MessageQueue(answer.Topic, b.BrokerName, i));
            }
        }
        return new TopicQueues(answer.Topic, Sort(writable), Sort(readable), masters);
    }

    private static List<MessageQueue> Sort(List<MessageQueue> queues)
    {
        queues.Sort((a, b) => string.CompareOrdinal(a.BrokerName, b.BrokerName) is var c and not 0 ? c : a.QueueId.CompareTo(b.QueueId));
        return queues;
    }
}
