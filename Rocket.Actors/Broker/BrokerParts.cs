using Akka.Actor;

namespace Rocket.Broker;

/// <summary>
/// The broker's pluggable children: the persistent metadata actors and the route publisher. The node wires the real
/// ones; actor tests wire in-memory stand-ins.
/// </summary>
/// <param name="Topics">Topic config actor, given the subscriber it must tell about topic table changes.</param>
/// <param name="Offsets">Consumer offset store.</param>
/// <param name="Publisher">Publishes the broker record into the cluster; null when the broker runs without naming.</param>
public sealed record BrokerParts(Func<IActorRef, Props> Topics, Props Offsets, Props? Publisher);
