using System.Collections.Concurrent;
using Akka.Actor;

namespace Rocket.Client.Producing;

/// <summary>
/// The client's per-broker sender actors, one per broker path, created on first use and shared by every producer.
/// Producers get the actor here without a message round trip and send to it directly.
/// </summary>
internal sealed class BrokerSenders(ActorSystem system, ClientSettings settings)
{
    // Lazy: GetOrAdd may run its factory twice under a race, and an actor name can be taken only once.
    private readonly ConcurrentDictionary<string, Lazy<IActorRef>> _senders = new(StringComparer.Ordinal);
    private int _created;

    // Looked up before anything is created: the factory's closure would otherwise be allocated on every send.
    public IActorRef For(string brokerName, string brokerPath) =>
        _senders.TryGetValue(brokerPath, out var sender) ? sender.Value : Create(brokerName, brokerPath);

    private IActorRef Create(string brokerName, string brokerPath) =>
        _senders.GetOrAdd(brokerPath, path => new Lazy<IActorRef>(() => system.ActorOf(
            Props.Create(() => new BrokerSenderActor(brokerName, path, settings)),
            $"sender-{Interlocked.Increment(ref _created)}-{SafeName(brokerName)}"))).Value;

    private static string SafeName(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}
