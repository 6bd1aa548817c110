using Akka.Actor;
using Rocket.DataChannel;
using Rocket.Protocol;

namespace Rocket.Broker.DataChannel;

/// <summary>
/// Where the produce actor and the queue partitions answer a request that came over a data channel: a produce or pull
/// answer told to it is queued on the connection at once, on the answering actor's thread, instead of first passing
/// through the connection actor's mailbox (one thread-pool hop less per answer, on the latency path). Akka answers an
/// Ask the same way, with a mailbox-less ref (<see cref="MinimalActorRef"/>). Anything else, and an answer the closed
/// connection no longer takes, goes to the connection actor, which logs it.
/// </summary>
/// <param name="path">
/// For a pull, the client puller's own path, so that <see cref="Pull.ReleaseHolds"/> of a consumer that left covers
/// its pulls held here; for produce, the connection actor's path.
/// </param>
internal sealed class ChannelAnswerRef(DataConnection connection, IActorRef connectionActor, ActorPath path, IActorRefProvider provider)
    : MinimalActorRef, IDataChannelAnswers
{
    public override ActorPath Path => path;

    public override IActorRefProvider Provider => provider;

    protected override void TellInternal(object message, IActorRef sender)
    {
        if (message is ProduceResponse or PullResponse or EncodedPullResponse && connection.Post(message)) return;
        connectionActor.Tell(message, sender);
    }
}
