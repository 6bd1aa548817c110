namespace Rocket.Protocol;

/// <summary>
/// Asks the failover coordinator (through <c>/user/failover-proxy</c> on any seed or standalone node) for its current
/// decisions; answered with <see cref="FailoverState"/>.
/// </summary>
public sealed record GetFailoverState : IRocketMessage
{
    public static readonly GetFailoverState Instance = new();
}

/// <summary>
/// One broker group as the coordinator sees it: its stored decision (null while none was made, e.g. no master was ever
/// live), and what the coordinator is doing about it, in words (e.g. "master live", "master unreachable for 4.2 s",
/// "promoting broker 1 to epoch 3").
/// </summary>
public sealed record GroupFailoverState(string ClusterName, string BrokerName, BrokerGroupEpoch? Decision, string Status)
    : IRocketMessage;

/// <summary>
/// Every broker group the coordinator knows, ordered by cluster and broker name. <paramref name="Loaded"/> is false while
/// the coordinator could not yet read the stored decisions from a majority of the cluster (it decides nothing then).
/// </summary>
public sealed record FailoverState(bool Enabled, bool Loaded, GroupFailoverState[] Groups) : IRocketMessage;

/// <summary>Where the failover coordinator is reached on every seed and standalone node.</summary>
public static class FailoverNames
{
    /// <summary>The coordinator's proxy under <c>/user</c> (it forwards to the one coordinator of the cluster).</summary>
    public const string Proxy = "failover-proxy";
}
