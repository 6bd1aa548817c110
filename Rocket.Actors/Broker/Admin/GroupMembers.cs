using Akka.Actor;
using Rocket.Protocol;

namespace Rocket.Broker.Admin;

/// <summary>Asks the consumer-groups actor for a group's live members; answered with <see cref="GroupMembers"/>.</summary>
internal sealed record GetGroupMembers(string Group);

/// <summary>A group's live members, each with the path of its consumer actor (whose pullers are its children).</summary>
internal sealed record GroupMembers(string Group, (GroupMember Member, ActorPath ConsumerPath)[] Members)
{
    public static GroupMembers Of(string group,
        IEnumerable<(string ClientId, IActorRef Consumer, MessageModel Model, string[] Topics, SubscriptionInfo[] Subscriptions, DateTime LastSeen)> members) =>
        new(group, members
            .Select(m => (new GroupMember(m.ClientId, m.Consumer.Path.Address.ToString(), m.Model, m.Topics, m.Subscriptions,
                new DateTimeOffset(m.LastSeen, TimeSpan.Zero).ToUnixTimeMilliseconds()), m.Consumer.Path))
            .OrderBy(m => m.Item1.ClientId, StringComparer.Ordinal).ToArray());
}
