using Rocket.Protocol.Filtering;

namespace Rocket.Protocol;

/// <summary>
/// Reads a queue from <see cref="Offset"/>. With nothing to return the broker holds the request up to
/// <see cref="SuspendMillis"/> (long polling) and answers as soon as a message arrives.
/// <see cref="FilterExpression"/> is RocketMQ's subscription expression in the language <see cref="FilterType"/> names:
/// a tag expression ("*", "TagA" or "TagA || TagB") or a SQL92 condition over message properties.
/// </summary>
public sealed record PullRequest(
    long RequestId, string Group, string Topic, int QueueId, long Offset, int MaxCount, string? FilterExpression, long SuspendMillis,
    FilterType FilterType = FilterType.Tag) : IRocketWire;

/// <summary>
/// The answer to a <see cref="PullRequest"/>: the queue it read (<see cref="Topic"/>, <see cref="QueueId"/>, once for
/// every message), where to continue, and, when <see cref="Status"/> refuses the pull, <see cref="Error"/> saying why.
/// <see cref="SuggestBrokerId"/> is RocketMQ's suggestWhichBrokerId: the broker of this group to pull this queue from
/// next (0, RocketMQ's MASTER_ID: the group's master, whatever its id after a failover); null: no suggestion, keep
/// reading where you are (every answer while rocket.broker.slave-read-enable is off on a master).
/// </summary>
public sealed record PullResponse(
    long RequestId, PullStatus Status, string Topic, int QueueId, long NextOffset, long MinOffset, long MaxOffset,
    PulledMessage[] Messages, string? Error = null, long? SuggestBrokerId = null) : IRocketWire;

public enum PullStatus
{
    Found = 0,
    /// <summary>Caught up: nothing new arrived while the request was held.</summary>
    NoNewMessage = 1,
    /// <summary>Entries were scanned but the filter matched none; continue from NextOffset.</summary>
    NoMatchedMessage = 2,
    /// <summary>The offset is outside [MinOffset, MaxOffset]; NextOffset is where to continue.</summary>
    OffsetIllegal = 3,
    /// <summary>The broker does not serve this topic (unknown or deleted) or this queue (not below read-queue-nums).</summary>
    NoSuchQueue = 4,
    /// <summary>The topic's perm has no read bit (4) on this broker.</summary>
    NoPermission = 5,
    /// <summary>
    /// The broker cannot apply the request's filter: SQL92 while its enable-property-filter is off, or an expression
    /// that does not compile (Error says which, with the column and reason).
    /// </summary>
    FilterRefused = 6,
}

/// <summary>A message as consumers receive it; its topic and queue are the response's.</summary>
public sealed record PulledMessage(
    long QueueOffset, long PhysicalOffset, long BornTimestamp, long StoreTimestamp,
    int ReconsumeTimes, int Flag, string? Properties, byte[] Body);
