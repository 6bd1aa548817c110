using Akka.Actor;

namespace Rocket.Broker.Pull;

/// <summary>
/// A consumer left its group (unregistered, expired or died): drop the pulls its queue pullers have on hold without
/// answering them. An answer would go to a client that is gone: a reconnect attempt, a failed association and dead
/// letters on the broker, for nothing.
/// </summary>
public sealed record ReleaseHolds(ActorPath Consumer)
{
    /// <summary>Whether <paramref name="replyTo"/> is the consumer or one of its descendants (its queue pullers).</summary>
    public bool Covers(IActorRef replyTo)
    {
        for (var path = replyTo.Path; path is not null && path.Elements.Count >= Consumer.Elements.Count; path = path.Parent)
            if (path.Equals(Consumer)) return true;
        return false;
    }
}
