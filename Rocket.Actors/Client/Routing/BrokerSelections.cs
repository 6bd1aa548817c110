using Akka.Actor;

namespace Rocket.Client.Routing;

/// <summary>
/// One <see cref="ActorSelection"/> per broker path, made once. <c>ActorSelection(path)</c> parses the path (its address
/// through <see cref="Uri"/>) and resolves the remote root guardian each time: a consumer's commits and heartbeats did
/// that for every broker every interval, code that a process running a few minutes still runs at tier 0 and promotes a
/// few methods at a time, on the CPUs the message path needs (docs/performance.md, twenty-fourth round). A selection
/// names no incarnation, so a broker restarted on its own address is reached through the same one.
/// </summary>
internal sealed class BrokerSelections(ActorSystem system)
{
    private readonly Dictionary<string, ActorSelection> _byPath = new(StringComparer.Ordinal);

    public ActorSelection For(string path)
    {
        if (!_byPath.TryGetValue(path, out var selection)) _byPath[path] = selection = system.ActorSelection(path);
        return selection;
    }
}
