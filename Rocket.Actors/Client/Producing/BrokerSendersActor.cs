using Akka.Actor;

namespace Rocket.Client.Producing;

/// <summary>
/// Parent of the per-broker senders: one child per broker path, shared by every producer of the client. Producers
/// ask for a child once and then send to it directly (see <see cref="RocketClient.SenderAsync"/>), so this actor is
/// not a hop on the hot path.
/// </summary>
internal sealed class BrokerSendersActor : ReceiveActor
{
    private readonly Dictionary<string, IActorRef> _senders = new(StringComparer.Ordinal);
    private int _created;

    public BrokerSendersActor(ClientSettings settings)
    {
        Receive<GetSender>(g => Sender.Tell(SenderFor(g.BrokerName, g.BrokerPath, settings)));
        Receive<GetBrokerSenderStats>(g =>
        {
            if (_senders.TryGetValue(g.BrokerPath, out var sender)) sender.Forward(g);
            else Sender.Tell(new BrokerSenderStats(0, 0, 0));
        });
    }

    private IActorRef SenderFor(string brokerName, string brokerPath, ClientSettings settings)
    {
        if (_senders.TryGetValue(brokerPath, out var sender)) return sender;
        sender = Context.ActorOf(Props.Create(() => new BrokerSenderActor(brokerName, brokerPath, settings)),
            $"sender-{++_created}-{SafeName(brokerName)}");
        _senders[brokerPath] = sender;
        return sender;
    }

    private static string SafeName(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}
