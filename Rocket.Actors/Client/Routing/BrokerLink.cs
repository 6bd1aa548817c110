using Akka.Actor;

namespace Rocket.Client.Routing;

/// <summary>
/// An actor's link to one broker actor, by path: resolved once and watched, so messages go to the actor reference
/// rather than by selection (a remote path lookup per message); until it is resolved, or after it died, they go by
/// selection. A failed resolve or a dead broker is resolved again a second later. The owning actor calls
/// <see cref="Resolve"/> at start and routes <see cref="Resolved"/>, <see cref="ResolveAgain"/> and its
/// <c>Terminated</c> messages here.
/// </summary>
internal sealed class BrokerLink(IActorContext owner, string path, TimeSpan resolveTimeout)
{
    /// <summary>The outcome of <see cref="Resolve"/>; <c>Nobody</c> when resolving failed. <paramref name="Path"/>: the link's.</summary>
    internal sealed record Resolved(IActorRef Broker, string? Path = null);

    internal sealed record ResolveAgain;

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A resolve is one round trip to a live process. Waiting the whole send timeout on a resolve that went to a
    /// dead (or just restarting) broker delayed noticing a restarted broker by up to that timeout (issue 7).
    /// </summary>
    private static readonly TimeSpan MaxResolveWait = TimeSpan.FromSeconds(2);

    public string Path => path;

    /// <summary>The resolved, watched broker actor; null until resolved and after it died.</summary>
    public IActorRef? Broker { get; private set; }

    public void Resolve() =>
        owner.ActorSelection(path).ResolveOne(resolveTimeout < MaxResolveWait ? resolveTimeout : MaxResolveWait)
            .PipeTo(owner.Self, success: r => new Resolved(r, path), failure: _ => new Resolved(ActorRefs.Nobody, path));

    public void Tell(object message, IActorRef sender)
    {
        if (Broker is not null) Broker.Tell(message, sender);
        else owner.ActorSelection(path).Tell(message, sender);
    }

    /// <summary>Takes the answer of <see cref="Resolve"/>; true when the broker is now known.</summary>
    public bool OnResolved(Resolved resolved, ITimerScheduler timers)
    {
        if (resolved.Path is not null && resolved.Path != path) return false; // a late answer for a link replaced meanwhile
        if (resolved.Broker.IsNobody())
        {
            timers.StartSingleTimer(this, new ResolveAgain(), RetryAfter);
            return false;
        }
        Broker = resolved.Broker;
        owner.Watch(resolved.Broker);
        return true;
    }

    /// <summary>Stops watching the broker: the owner reads from another one now.</summary>
    public void Release(ITimerScheduler timers)
    {
        if (Broker is not null) owner.Unwatch(Broker);
        Broker = null;
        timers.Cancel(this);
    }

    /// <summary>True when <paramref name="terminated"/> is about this broker, which is then resolved again later.</summary>
    public bool OnTerminated(Terminated terminated, ITimerScheduler timers)
    {
        if (Broker is null || !terminated.ActorRef.Equals(Broker)) return false;
        Broker = null;
        timers.StartSingleTimer(this, new ResolveAgain(), RetryAfter);
        return true;
    }
}
