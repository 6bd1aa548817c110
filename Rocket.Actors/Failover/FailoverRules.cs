using Rocket.Protocol;

namespace Rocket.Failover;

/// <summary>What the coordinator should do about one group now (see <see cref="FailoverRules.Assess"/>).</summary>
public abstract record Assessment
{
    /// <summary>No decision exists and none can be made yet; <paramref name="Reason"/> says why (logged once).</summary>
    public sealed record NoDecisionYet(string Reason) : Assessment;

    /// <summary>A new group with its configured master live: store this first decision.</summary>
    public sealed record DecideFirst(BrokerGroupEpoch Decision) : Assessment;

    /// <summary>The stored decision is missing or behind what brokers report: elect at once.</summary>
    public sealed record ElectNow(string Reason) : Assessment;

    /// <summary>The decided master is live.</summary>
    public sealed record MasterLive : Assessment;

    /// <summary>The decided master is not live (unreachable, gone from the table, or the epoch has no master).</summary>
    public sealed record MasterMissing(string Reason) : Assessment;
}

/// <summary>How the live slaves' positions rank for promotion; <see cref="Epoch"/> is the epoch they were compared in.</summary>
public sealed record Ranking(long Epoch, IReadOnlyList<ReplicaPosition> Eligible, IReadOnlyList<(ReplicaPosition Position, string Reason)> Excluded);

/// <summary>The coordinator's decision rules, pure so that they read (and test) on their own.</summary>
public static class FailoverRules
{
    /// <summary>A broker group's configured master (RocketMQ: brokerId 0).</summary>
    public const long ConfiguredMasterId = 0;

    /// <summary>
    /// <see cref="BrokerGroupEpoch.MasterBrokerId"/> of an epoch whose promotion failed (every candidate refused or did
    /// not answer): the epoch number is used up, and nobody is master in it.
    /// </summary>
    public const long NoMaster = -1;

    public static bool IsVacant(this BrokerGroupEpoch decision) => decision.MasterBrokerId == NoMaster;

    public static Assessment Assess(BrokerGroupEpoch? decision, GroupView view)
    {
        var ahead = view.LiveBrokers.OrderByDescending(b => b.Record.Epoch).ThenBy(b => b.BrokerId).FirstOrDefault();
        long highest = ahead?.Record.Epoch ?? 0;
        if (decision is null)
        {
            if (highest > 0)
                return new Assessment.ElectNow(
                    $"no stored decision, but broker {ahead!.BrokerId} reports epoch {highest} (the decisions were lost: every node that held them restarted)");
            var master = view.Live(ConfiguredMasterId);
            if (master is null)
                return new Assessment.NoDecisionYet($"its configured master (broker {ConfiguredMasterId}) is not live");
            if (!master.Record.Role.IsMaster())
                return new Assessment.NoDecisionYet(
                    $"broker {ConfiguredMasterId} is live but its role is {master.Record.Role.Name()}, not a master role");
            return new Assessment.DecideFirst(new BrokerGroupEpoch(view.ClusterName, view.BrokerName, 1, ConfiguredMasterId, 0));
        }
        if (highest > decision.Epoch)
            return new Assessment.ElectNow($"broker {ahead!.BrokerId} reports epoch {highest}, above the stored epoch {decision.Epoch}");
        if (decision.IsVacant())
            return new Assessment.MasterMissing($"epoch {decision.Epoch} has no master (its promotion failed)");
        if (view.Live(decision.MasterBrokerId) is not null) return new Assessment.MasterLive();
        var known = view.Brokers.Any(b => b.BrokerId == decision.MasterBrokerId);
        return new Assessment.MasterMissing(known
            ? $"master broker {decision.MasterBrokerId} is unreachable (or its record expired)"
            : $"master broker {decision.MasterBrokerId} is gone from the broker table");
    }

    /// <summary>
    /// The live brokers that must be told to follow <paramref name="decision"/>, each with why: any broker in an older
    /// epoch (the decided master included: a master still in an older epoch learns it is master of this one), and any
    /// other broker that claims a master role (the old master returning, or a slave promoted in a failed attempt).
    /// Nobody is told to follow a vacant epoch.
    /// </summary>
    public static IEnumerable<(GroupBroker Broker, string Reason)> FollowTargets(BrokerGroupEpoch decision, GroupView view)
    {
        if (decision.IsVacant()) yield break;
        foreach (var b in view.LiveBrokers)
        {
            var r = b.Record;
            if (r.Epoch > decision.Epoch) continue; // the decisions are behind it: Assess elects instead
            if (b.BrokerId == decision.MasterBrokerId)
            {
                if (r.Epoch < decision.Epoch)
                    yield return (b, $"it is the master of epoch {decision.Epoch} but reports epoch {r.Epoch}");
            }
            else if (r.Role.IsMaster())
                yield return (b, $"it claims {r.Role.Name()} in epoch {r.Epoch}, but broker {decision.MasterBrokerId} is the master of epoch {decision.Epoch}");
            else if (r.Epoch < decision.Epoch)
                yield return (b, $"it reports epoch {r.Epoch}, behind epoch {decision.Epoch}");
        }
    }

    /// <summary>
    /// Orders the answers for promotion: only brokers in the newest epoch (the stored one, or a newer one some broker
    /// reports) are eligible, since an older epoch's log may lack what the newer masters acknowledged (RocketMQ 5's
    /// controller likewise elects only from the in-sync set); among them the highest max offset first, ties by the
    /// lowest broker id. A vacant epoch had no master, so it asks nothing of the candidates.
    /// </summary>
    public static Ranking Rank(BrokerGroupEpoch? decision, IEnumerable<ReplicaPosition> positions)
    {
        long storedEpoch = decision is null || decision.IsVacant() ? 0 : decision.Epoch;
        var all = positions.ToList();
        long epoch = Math.Max(storedEpoch, all.Count == 0 ? 0 : all.Max(p => p.Epoch));
        var eligible = all.Where(p => p.Epoch == epoch).OrderByDescending(p => p.MaxOffset).ThenBy(p => p.BrokerId).ToList();
        var excluded = all.Where(p => p.Epoch != epoch).OrderBy(p => p.BrokerId)
            .Select(p => (p, $"it is in epoch {p.Epoch}, behind epoch {epoch}: its log may lack what that epoch's master acknowledged"))
            .ToList();
        return new Ranking(epoch, eligible, excluded);
    }

    /// <summary>
    /// Where a broker's front actor is: brokers publish its full remote path, test records a path relative to their
    /// node (<see cref="BrokerRecord.MemberAddress"/>).
    /// </summary>
    public static string FrontActorPath(BrokerRecord broker) =>
        broker.BrokerPath.Contains("://", StringComparison.Ordinal) ? broker.BrokerPath : broker.MemberAddress + broker.BrokerPath;

    /// <summary>The epoch of the next promotion attempt: above every epoch stored, tried or seen, so none is reused.</summary>
    public static long NextEpoch(BrokerGroupEpoch? decision, long highestTried, long highestSeen) =>
        Math.Max(Math.Max(decision?.Epoch ?? 0, highestTried), highestSeen) + 1;
}
