using Akka.Event;
using Rocket.Protocol;

namespace Rocket.Naming;

/// <summary>
/// Says once per pair (not at every gossip round) that two live brokers of one group claim the master role: the one
/// in the higher epoch is the master routes give writes to; the other is an old master that has not yet followed.
/// </summary>
internal sealed class StaleMasterLog(ILoggingAdapter log)
{
    private readonly HashSet<string> _said = new(StringComparer.Ordinal);

    public void Check(IEnumerable<BrokerRecord> live)
    {
        foreach (var (stale, master) in TopicRoutes.StaleMasters(live))
        {
            if (!_said.Add($"{stale.Key}@{stale.Epoch}|{master.Key}@{master.Epoch}")) continue;
            log.Warning($"broker group {stale.BrokerName}: broker id {stale.BrokerId} at {stale.MemberAddress} still claims " +
                        $"{stale.Role.Name()} in epoch {stale.Epoch}, but broker id {master.BrokerId} is {master.Role.Name()} in epoch " +
                        $"{master.Epoch}; routes give writes only to broker id {master.BrokerId} until broker id {stale.BrokerId} follows it");
        }
    }
}
