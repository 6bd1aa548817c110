using System.Collections.Concurrent;
using Akka.Actor;

namespace Rocket.Client.Producing;

/// <summary>
/// The client's per-broker senders, one per broker path, created on first use and shared by every producer.
/// Producers get a broker's sender here without a message round trip and send through it directly.
/// </summary>
internal sealed class BrokerSenders(ActorSystem system, ClientSettings settings)
{
    // Lazy: GetOrAdd may run its factory twice under a race, and an actor name can be taken only once.
    private readonly ConcurrentDictionary<string, Lazy<BrokerSender>> _senders = new(StringComparer.Ordinal);
    private int _created;

    // Looked up before anything is created: the factory's closure would otherwise be allocated on every send.
    public BrokerSender For(string brokerName, string brokerPath) =>
        _senders.TryGetValue(brokerPath, out var sender) ? sender.Value : Create(brokerName, brokerPath);

    private BrokerSender Create(string brokerName, string brokerPath) =>
        _senders.GetOrAdd(brokerPath, path => new Lazy<BrokerSender>(() =>
        {
            var sender = new BrokerSender();
            sender.Actor = system.ActorOf(
                Props.Create(() => new BrokerSenderActor(brokerName, path, settings, sender)),
                $"sender-{Interlocked.Increment(ref _created)}-{SafeName(brokerName)}");
            return sender;
        })).Value;

    private static string SafeName(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}
