using Akka.Actor;

namespace Rocket.Client.Producing;

/// <summary>
/// One broker's way in for sends: its <see cref="BrokerSenderActor"/>, and while that actor's data channel is open
/// (and rocket.client.direct-sends is on), the channel's <see cref="DirectSends"/>. A send goes direct when it can,
/// else through the actor, which coalesces it with others over Akka.Remote or the channel.
/// </summary>
internal sealed class BrokerSender
{
    private volatile DirectSends? _direct;
    private long _directSent;

    /// <summary>Set once, right after the actor is created (the actor is given this object, so it cannot come first).</summary>
    public IActorRef Actor { get; internal set; } = ActorRefs.Nobody;

    /// <summary>Sends posted directly so far, over every connection.</summary>
    public long DirectSent => Interlocked.Read(ref _directSent);

    /// <summary>The open channel's direct sends, or null; published and withdrawn by the actor's channel.</summary>
    internal DirectSends? Direct
    {
        get => _direct;
        set => _direct = value;
    }

    /// <summary>Withdraws <paramref name="direct"/> unless a newer connection's is published already.</summary>
    internal void Withdraw(DirectSends direct) => Interlocked.CompareExchange(ref _direct, null, direct);

    public void Send(IPendingSend send)
    {
        if (_direct is { } direct && direct.TryPost(send))
        {
            Interlocked.Increment(ref _directSent);
            return;
        }
        Actor.Tell(send);
    }
}
