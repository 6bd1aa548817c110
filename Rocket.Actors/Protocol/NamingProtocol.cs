namespace Rocket.Protocol;

/// <summary>
/// What one broker publishes into the cluster (soft state, re-published periodically): who it is, where its
/// front actor lives, its topics, and whether its store works. RocketMQ's broker registration, carried by gossip
/// instead of name servers.
/// </summary>
/// <param name="StoreProblem">Null while the broker's store works; otherwise why it refuses writes (e.g. disk full).</param>
/// <param name="Role">The broker's current role (a slave promoted by failover publishes a master role).</param>
/// <param name="Epoch">The broker group's epoch this broker is in: it grows by one at every failover.</param>
/// <param name="MaxOffset">The end of its commit log when published.</param>
/// <param name="ReplicaLagBytes">A slave's distance behind its master in bytes, as it last knew; null on a master.</param>
public sealed record BrokerRecord(
    string ClusterName, string BrokerName, long BrokerId, string BrokerPath, string MemberAddress,
    bool AutoCreateTopicEnable, int DefaultTopicQueueNums, TopicConfig[] Topics, long PublishedAt,
    string? StoreProblem = null, BrokerRole Role = BrokerRole.AsyncMaster, long Epoch = 0, long MaxOffset = 0,
    long? ReplicaLagBytes = null) : IRocketMessage
{
    public string Key => $"{ClusterName}/{BrokerName}/{BrokerId}";

    public bool IsHealthy => StoreProblem is null;
}

/// <summary>One broker (master or slave) as routes show it, with its current role and epoch.</summary>
public sealed record BrokerAddress(string ClusterName, string BrokerName, long BrokerId, string Path,
    BrokerRole Role = BrokerRole.AsyncMaster, long Epoch = 0) : IRocketMessage;

/// <summary>A topic's queues on one broker (RocketMQ's QueueData).</summary>
public sealed record QueueData(string BrokerName, int ReadQueues, int WriteQueues, TopicPerm Perm) : IRocketMessage;

/// <summary>Where a topic lives: its queues per broker, and the brokers' addresses.</summary>
public sealed record TopicRoute(string Topic, QueueData[] Queues, BrokerAddress[] Brokers) : IRocketMessage;

/// <summary>Asks any seed or broker for a topic's route; answered with <see cref="TopicRouteAnswer"/>.</summary>
public sealed record GetTopicRoute(string Topic) : IRocketMessage;

/// <summary>
/// <see cref="Route"/> is null when no live broker has the topic. <see cref="AutoCreateBrokers"/> then lists masters
/// that create topics on first send (auto-create-topic-enable), with their default queue count, and
/// <see cref="UnreachableHolders"/> the brokers whose last published record has the topic but which are not reachable
/// (or no longer members) now: a send can then say the topic's broker is down rather than that the topic does not exist.
/// </summary>
public sealed record TopicRouteAnswer(string Topic, TopicRoute? Route, BrokerAddress[] AutoCreateBrokers, int DefaultQueueNums,
    string[]? UnreachableHolders = null) : IRocketMessage;

/// <summary>Asks any seed or broker for the cluster view; answered with <see cref="ClusterView"/>.</summary>
public sealed record GetClusterView : IRocketMessage
{
    public static readonly GetClusterView Instance = new();
}

public sealed record MemberView(string Address, string Status, string[] Roles, bool Reachable) : IRocketMessage;

public sealed record ClusterView(MemberView[] Members, BrokerRecord[] Brokers) : IRocketMessage;
