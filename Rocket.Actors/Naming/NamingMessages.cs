using Rocket.Protocol;

namespace Rocket.Naming;

/// <summary>
/// Broker → its publisher: this is my record now (topics changed). The publisher re-publishes it periodically and
/// fills in <see cref="BrokerRecord.MemberAddress"/> (this node) and <see cref="BrokerRecord.PublishedAt"/> itself.
/// </summary>
public sealed record PublishBrokerRecord(BrokerRecord Record);
