namespace Rocket.Protocol;

/// <summary>
/// The cluster-wide decision of who is the master of a broker group in which epoch, as the failover coordinator
/// stores it (with majority consistency) and tells the brokers. <paramref name="MasterBrokerId"/> is the broker id of
/// the broker that is master in <paramref name="Epoch"/>; its log began that epoch at <paramref name="StartOffset"/>.
/// </summary>
public sealed record BrokerGroupEpoch(string ClusterName, string BrokerName, long Epoch, long MasterBrokerId, long StartOffset)
    : IRocketMessage;

/// <summary>Coordinator → a slave: report where your log ends (answered with <see cref="ReplicaPosition"/>).</summary>
public sealed record GetReplicaPosition(string BrokerName) : IRocketMessage;

/// <summary>A broker's answer: its id, the epoch it is in and the end of its commit log.</summary>
public sealed record ReplicaPosition(string BrokerName, long BrokerId, long Epoch, long MaxOffset) : IRocketMessage;

/// <summary>
/// Coordinator → the chosen slave: become master of <see cref="BrokerGroupEpoch.Epoch"/>, starting it at the end of
/// your log (answered with <see cref="PromotedToMaster"/>, or a <see cref="PromotionRefused"/> naming why).
/// </summary>
/// <param name="MasterRole">The role the replaced master had (SYNC_MASTER or ASYNC_MASTER), if the coordinator saw it: a
/// SYNC_MASTER group stays one after a failover unless the slave's ha-promoted-role says otherwise.</param>
public sealed record PromoteToMaster(BrokerGroupEpoch Decision, BrokerRole? MasterRole = null) : IRocketMessage;

public sealed record PromotedToMaster(string BrokerName, long BrokerId, long Epoch, long StartOffset) : IRocketMessage;

public sealed record PromotionRefused(string BrokerName, long BrokerId, long Epoch, string Reason) : IRocketMessage;

/// <summary>
/// Coordinator → any other broker of the group (a returning old master included): the group is in
/// <see cref="BrokerGroupEpoch.Epoch"/> with that master; follow it as a slave (truncating what you hold beyond the
/// point where your epochs and the master's diverge). Sent again whenever a broker reports a stale epoch.
/// </summary>
public sealed record FollowMaster(BrokerGroupEpoch Decision) : IRocketMessage;
