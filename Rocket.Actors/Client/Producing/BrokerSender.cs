using System.Runtime.CompilerServices;
using Akka.Actor;

namespace Rocket.Client.Producing;

/// <summary>
/// One broker's way in for sends and pulls: its <see cref="BrokerSenderActor"/>, and while that actor's data channel is
/// open, the channel's <see cref="DirectChannel"/>. A send (when rocket.client.direct-sends is on) or a pull goes direct
/// when it can, else through the actor, which coalesces sends over Akka.Remote or the channel.
/// </summary>
internal sealed class BrokerSender
{
    private volatile DirectChannel? _direct;
    private long _directSent;
    private long _directPulls;

    /// <summary>Set once, right after the actor is created (the actor is given this object, so it cannot come first).</summary>
    public IActorRef Actor { get; internal set; } = ActorRefs.Nobody;

    /// <summary>Sends posted directly so far, over every connection.</summary>
    public long DirectSent => Interlocked.Read(ref _directSent);

    /// <summary>Pulls posted directly so far, over every connection.</summary>
    public long DirectPulls => Interlocked.Read(ref _directPulls);

    /// <summary>The open channel, or null; published and withdrawn by the actor's channel.</summary>
    internal DirectChannel? Direct
    {
        get => _direct;
        set => _direct = value;
    }

    /// <summary>Withdraws <paramref name="direct"/> unless a newer connection's is published already.</summary>
    internal void Withdraw(DirectChannel direct) => Interlocked.CompareExchange(ref _direct, null, direct);

    /// <summary>Posts a pull straight onto the open channel; false when none is open (the puller asks the actor).</summary>
    public bool TryPull(Rocket.Protocol.PullRequest request, IActorRef puller, string pullerPath)
    {
        if (_direct is not { } direct || !direct.TryPostPull(request, puller, pullerPath)) return false;
        Interlocked.Increment(ref _directPulls);
        return true;
    }

    /// <summary>Posts <paramref name="send"/> onto the open channel when it takes sends, else hands it to the actor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
