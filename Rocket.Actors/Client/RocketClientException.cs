using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>What kind of failure a <see cref="RocketClientException"/> is, for code that reacts differently to each.</summary>
public enum RocketErrorCode
{
    /// <summary>Bad input, no reachable seed, a consumer used wrongly, a failed send: read the message.</summary>
    Failed = 0,
    /// <summary>A RocketMQ feature Rocket does not implement yet (e.g. master/slave replication).</summary>
    NotSupported = 1,
    /// <summary>A consumer could not join its group and resolve where to start on each of its queues in time.</summary>
    ConsumerStartTimeout = 2,
    /// <summary>A topic waited for did not become routable (as asked) in time.</summary>
    TopicNotRoutable = 3,
    /// <summary>The cluster answered, and no live broker has the topic asked about (e.g. deleting a missing topic).</summary>
    TopicNotFound = 4,
    /// <summary>A topic waited for to disappear (after a delete) was still routed when the wait ended.</summary>
    TopicStillRouted = 5,
    /// <summary>No broker of the topic knows the consumer group asked about (no stored offsets, no live consumer).</summary>
    GroupNotFound = 6,
}

/// <summary>A client-side failure: bad input, no reachable seed, a consumer used wrongly, a feature not supported yet.</summary>
public class RocketClientException : Exception
{
    public RocketClientException(string message, Exception? inner = null) : this(message, RocketErrorCode.Failed, inner) { }

    public RocketClientException(string message, RocketErrorCode code, Exception? inner = null) : base(message, inner) => Code = code;

    /// <summary>The kind of failure.</summary>
    public RocketErrorCode Code { get; }
}

/// <summary>A send that did not store the message; <see cref="Status"/> is the broker's verdict when there was one.</summary>
public sealed class RocketSendException : RocketClientException
{
    public RocketSendException(string message, ProduceStatus? status = null, Exception? inner = null) : base(message, inner) =>
        Status = status;

    /// <summary>The broker's status for the last attempt, or null when no broker answered (timeout, no route).</summary>
    public ProduceStatus? Status { get; }
}
