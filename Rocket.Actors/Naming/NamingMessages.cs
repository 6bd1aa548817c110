using Rocket.Protocol;

namespace Rocket.Naming;

/// <summary>Broker → its publisher: this is my record now (topics changed). The publisher re-publishes it periodically.</summary>
public sealed record PublishBrokerRecord(BrokerRecord Record);
