using Akka.Actor;
using Rocket.Protocol;

namespace Rocket.Tests.Client;

/// <summary>Answers route look-ups from routes the test sets; counts how often it was asked.</summary>
public sealed class FakeNameServer : ReceiveActor
{
    public sealed record SetRoute(TopicRoute Route);
    public sealed record GetLookups;

    private readonly Dictionary<string, TopicRoute> _routes = new();
    private int _lookups;

    public FakeNameServer()
    {
        Receive<SetRoute>(s => _routes[s.Route.Topic] = s.Route);
        Receive<GetTopicRoute>(g =>
        {
            _lookups++;
            Sender.Tell(new TopicRouteAnswer(g.Topic, _routes.GetValueOrDefault(g.Topic), [], 0));
        });
        Receive<GetLookups>(_ => Sender.Tell(_lookups));
    }
}
