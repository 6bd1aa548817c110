using Akka.Actor;
using Rocket.Protocol;

namespace Rocket.Broker.Pull;

/// <summary>
/// A pull that came over the data channel. The answering actor is the local connection actor, so the client's
/// puller is named by its path: the group view finds the queue's owner as that path's parent (the consumer actor).
/// </summary>
internal sealed record ChannelPullRequest(PullRequest Request, ActorPath? Puller);
