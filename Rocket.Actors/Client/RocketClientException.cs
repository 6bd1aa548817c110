using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>A client-side failure: bad input, no reachable seed, a consumer used wrongly.</summary>
public class RocketClientException : Exception
{
    public RocketClientException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A send that did not store the message; <see cref="Status"/> is the broker's verdict when there was one.</summary>
public sealed class RocketSendException : RocketClientException
{
    public RocketSendException(string message, ProduceStatus? status = null, Exception? inner = null) : base(message, inner) =>
        Status = status;

    /// <summary>The broker's status for the last attempt, or null when no broker answered (timeout, no route).</summary>
    public ProduceStatus? Status { get; }
}
