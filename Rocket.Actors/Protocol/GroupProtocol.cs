using Akka.Actor;

namespace Rocket.Protocol;

public enum MessageModel { Clustering, Broadcasting }

/// <summary>Consumer → broker, periodically: the consumer is alive, in this group, subscribed to these topics.</summary>
/// <param name="Subscriptions">Each topic's expression, for the admin's group view (<c>rocket group show</c>).</param>
public sealed record ConsumerHeartbeat(string ClientId, string Group, MessageModel Model, string[] Topics, IActorRef Consumer,
    SubscriptionInfo[]? Subscriptions = null) : IRocketMessage;

/// <summary>Consumer → broker on shutdown: leave the group now rather than at heartbeat expiry.</summary>
public sealed record UnregisterConsumer(string ClientId, string Group) : IRocketMessage;

/// <summary>Asks a broker for the live members of a group, answered with <see cref="ConsumerIds"/>.</summary>
public sealed record GetConsumerIds(string Group) : IRocketMessage;

public sealed record ConsumerIds(string Group, string[] ClientIds) : IRocketMessage;

/// <summary>Broker → every member when a group's membership changed: rebalance now.</summary>
public sealed record RebalanceNeeded(string Group) : IRocketMessage;

public readonly record struct QueueOffset(string Topic, int QueueId, long Offset);

/// <summary>Consumer → broker: consumed-up-to offsets (the next offset to consume). Not answered.</summary>
public sealed record CommitOffsets(string Group, QueueOffset[] Offsets) : IRocketMessage;

/// <summary>Asks the stored offset of a group on a queue; answered with <see cref="OffsetAnswer"/>.</summary>
public sealed record QueryOffset(string Group, string Topic, int QueueId) : IRocketMessage;

/// <summary><see cref="Offset"/> is -1 when the group has no stored offset for the queue.</summary>
public sealed record OffsetAnswer(string Group, string Topic, int QueueId, long Offset) : IRocketMessage;

/// <summary>Asks min/max offsets of a queue or the offset for a timestamp; answered with <see cref="QueueOffsets"/>.</summary>
public sealed record QueryQueueOffsets(string Topic, int QueueId, long? Timestamp = null) : IRocketMessage;

/// <summary><see cref="AtTimestamp"/>: first offset stored at or after the asked timestamp (if one was asked).</summary>
public sealed record QueueOffsets(string Topic, int QueueId, long MinOffset, long MaxOffset, long? AtTimestamp) : IRocketMessage;

/// <summary>Asks per-queue broker and consumer offsets of a group on a broker; answered with <see cref="GroupProgress"/>.</summary>
public sealed record QueryGroupProgress(string Group) : IRocketMessage;

/// <summary>One queue of a group on a broker: its end, the committed offset (-1: never committed) and its first stored offset.</summary>
public sealed record QueueProgress(string Topic, int QueueId, long BrokerOffset, long ConsumerOffset, long MinOffset = 0);

public sealed record GroupProgress(string BrokerName, string Group, QueueProgress[] Queues) : IRocketMessage;
