namespace Rocket.Protocol;

/// <summary>
/// Reads a queue from <see cref="Offset"/>. With nothing to return the broker holds the request up to
/// <see cref="SuspendMillis"/> (long polling) and answers as soon as a message arrives.
/// <see cref="TagExpression"/> is RocketMQ's subscription expression: "*", "TagA" or "TagA || TagB".
/// </summary>
public sealed record PullRequest(
    long RequestId, string Group, string Topic, int QueueId, long Offset, int MaxCount, string? TagExpression, long SuspendMillis) : IRocketWire;

public sealed record PullResponse(
    long RequestId, PullStatus Status, long NextOffset, long MinOffset, long MaxOffset, PulledMessage[] Messages) : IRocketWire;

public enum PullStatus
{
    Found = 0,
    /// <summary>Caught up: nothing new arrived while the request was held.</summary>
    NoNewMessage = 1,
    /// <summary>Entries were scanned but the filter matched none; continue from NextOffset.</summary>
    NoMatchedMessage = 2,
    /// <summary>The offset is outside [MinOffset, MaxOffset]; NextOffset is where to continue.</summary>
    OffsetIllegal = 3,
    /// <summary>The broker does not serve this topic or queue.</summary>
    NoSuchQueue = 4,
}

/// <summary>A message as consumers receive it.</summary>
public sealed record PulledMessage(
    string Topic, int QueueId, long QueueOffset, long PhysicalOffset, long BornTimestamp, long StoreTimestamp,
    int ReconsumeTimes, int Flag, string? Properties, byte[] Body);
