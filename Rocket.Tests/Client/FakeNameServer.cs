using Akka.Actor;
using Rocket.Protocol;

namespace Rocket.Tests.Client;

/// <summary>Answers route look-ups from routes the test sets, and the cluster view from the brokers it sets; counts route look-ups; can fall silent.</summary>
public sealed class FakeNameServer : ReceiveActor
{
    public sealed record SetRoute(TopicRoute Route);
    public sealed record GetLookups;
    public sealed record SetBrokers(BrokerRecord[] Brokers);
    /// <summary>While silent, route look-ups and view requests go unanswered, as from a seed that is slow or restarting.</summary>
    public sealed record SetSilent(bool Silent);

    private readonly Dictionary<string, TopicRoute> _routes = new();
    private int _lookups;
    private BrokerRecord[] _brokers = [];
    private bool _silent;

    public FakeNameServer()
    {
        Receive<SetRoute>(s => _routes[s.Route.Topic] = s.Route);
        Receive<SetSilent>(s => _silent = s.Silent);
        Receive<GetTopicRoute>(g =>
        {
            if (_silent) return;
            _lookups++;
            Sender.Tell(new TopicRouteAnswer(g.Topic, _routes.GetValueOrDefault(g.Topic), [], 0));
        });
        Receive<GetLookups>(_ => Sender.Tell(_lookups));
        Receive<SetBrokers>(s => _brokers = s.Brokers);
        Receive<GetClusterView>(_ =>
        {
            if (!_silent) Sender.Tell(new ClusterView([], _brokers));
        });
    }
}
