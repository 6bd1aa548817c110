namespace Rocket.Protocol;

// Admin questions a broker answers from its store, its consumer groups and its counters (RocketMQ's mqadmin
// queryMsgByKey / queryMsgById / consumerConnection / consumerProgress / clusterList). None is on the hot path.

/// <summary>
/// Messages of <see cref="Topic"/> whose KEYS or UNIQ_KEY holds <see cref="Key"/>, stored within [begin, end] (Unix ms),
/// newest first, at most <see cref="MaxNum"/>; answered with <see cref="MessagesFound"/>.
/// </summary>
public sealed record QueryMessagesByKey(string Topic, string Key, int MaxNum, long BeginTimestamp, long EndTimestamp) : IRocketMessage;

/// <summary>The message stored at a commit-log offset (the offset message id's offset); answered with <see cref="MessagesFound"/>.</summary>
public sealed record GetMessageByOffset(long PhysicalOffset) : IRocketMessage;

/// <summary>
/// Messages whose UNIQ_KEY is <see cref="UniqueKey"/>, in <see cref="Topic"/> or, when null, in any topic the broker
/// stores (retry and dead-letter copies keep the original's UNIQ_KEY, so several may match); answered with <see cref="MessagesFound"/>.
/// </summary>
public sealed record GetMessageByUniqueKey(string UniqueKey, string? Topic) : IRocketMessage;

/// <param name="Error">Why the broker could not search (nothing found is an empty list, not an error).</param>
public sealed record MessagesFound(string BrokerName, FoundMessage[] Messages, string? Error = null) : IRocketMessage;

/// <summary>A stored message with every header RocketMQ's admin prints.</summary>
public sealed record FoundMessage(
    string Topic, int QueueId, long QueueOffset, long PhysicalOffset, long BornTimestamp, long StoreTimestamp, string? BornHost,
    int ReconsumeTimes, int Flag, int SysFlag, string? Properties, byte[] Body, int StoreSize);

/// <summary>A group's members and per-queue state on one broker; answered with <see cref="GroupDetail"/>.</summary>
public sealed record QueryGroupDetail(string Group) : IRocketMessage;

/// <summary>One subscription as a consumer declares it in its heartbeat.</summary>
/// <param name="ExpressionType">RocketMQ's expression type: <c>TAG</c> (or <c>SQL92</c>).</param>
public sealed record SubscriptionInfo(string Topic, string Expression, string ExpressionType);

/// <param name="Address">The member's actor-system address (host and port of the client process).</param>
/// <param name="Subscriptions">Empty for a consumer too old to send them (only <see cref="Topics"/> then).</param>
public sealed record GroupMember(string ClientId, string Address, MessageModel Model, string[] Topics, SubscriptionInfo[] Subscriptions,
    long LastHeartbeatTimestamp);

/// <param name="ConsumerOffset">-1: the group never committed an offset for this queue.</param>
/// <param name="Owner">Client id of the member whose pulls last read this queue; null when no live member pulled it.</param>
/// <param name="LastPullTimestamp">Unix ms of the group's last pull of this queue on this broker since it started; 0 if none.</param>
/// <param name="LastCommitTimestamp">Unix ms of the group's last offset commit for this queue since the broker started; 0 if none.</param>
public sealed record QueueDetail(string Topic, int QueueId, long MinOffset, long BrokerOffset, long ConsumerOffset, string? Owner,
    long LastPullTimestamp, long LastCommitTimestamp);

public sealed record GroupDetail(string BrokerName, string Group, GroupMember[] Members, QueueDetail[] Queues) : IRocketMessage;

/// <summary>A broker's role, store figures and message rates; answered with <see cref="BrokerStats"/>.</summary>
public sealed record QueryBrokerStats : IRocketMessage
{
    public static readonly QueryBrokerStats Instance = new();
}

/// <param name="Role">The broker's run-time role in RocketMQ's spelling (ASYNC_MASTER, SYNC_MASTER or SLAVE): after a failover broker id 1 may be the master.</param>
/// <param name="StoreBytes">Bytes of the files under the store directory (preallocated segments count whole).</param>
/// <param name="DiskFreeBytes">Free bytes on the store's volume, as an unprivileged process may use them.</param>
/// <param name="AppendedLastMinute">Messages appended in the 60 whole seconds before the answer.</param>
/// <param name="DeliveredLastMinute">Messages delivered by pulls in those seconds.</param>
public sealed record BrokerStats(
    string BrokerName, long BrokerId, string Role, string StoreDirectory, long StoreBytes, long DiskFreeBytes, long DiskTotalBytes,
    long CommitLogMinOffset, long CommitLogMaxOffset, long AppendedLastMinute, long DeliveredLastMinute, string? Error = null) : IRocketMessage;
