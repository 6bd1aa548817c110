using Akka.DistributedData;
using Rocket.Protocol;

namespace Rocket.Naming;

/// <summary>
/// The replicated broker table: one <see cref="LWWDictionary{TKey,TValue}"/> of <see cref="BrokerRecord.Key"/> →
/// record, gossiped by Akka.DistributedData. Soft state only (no durable keys): brokers re-publish, so a restarted
/// node learns the table again from its peers or from the next publication.
/// </summary>
public static class BrokerRegistry
{
    public static readonly LWWDictionaryKey<string, BrokerRecord> Key = new("rocket-brokers");

    public static LWWDictionary<string, BrokerRecord> Empty => LWWDictionary<string, BrokerRecord>.Empty;

    /// <summary>Milliseconds since the Unix epoch, the unit of <see cref="BrokerRecord.PublishedAt"/>.</summary>
    public static long NowMillis() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
