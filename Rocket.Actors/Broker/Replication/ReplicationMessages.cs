using Akka.Actor;
using Rocket.Protocol;
using Rocket.Store;

namespace Rocket.Broker.Replication;

/// <summary>Produce → source: the journal appended something; stream it to the slaves now (no polling).</summary>
public sealed class LogAppended
{
    public static readonly LogAppended Instance = new();
    private LogAppended() { }
}

/// <summary>
/// Produce → source (SYNC_MASTER): answer <paramref name="ReplyTo"/> with a <see cref="ReplicatedBatch"/> carrying
/// <paramref name="Appended"/> once in-sync-slaves-min slaves acknowledged <paramref name="EndOffset"/>, or at once
/// when too few slaves are in sync, or at <paramref name="Deadline"/>.
/// </summary>
public sealed record AwaitReplicas(long EndOffset, IActorRef ReplyTo, BatchAppended Appended, DateTimeOffset Deadline);

/// <summary>The outcome of an <see cref="AwaitReplicas"/>: Ok, FlushSlaveTimeout or SlaveNotAvailable (the message is stored either way).</summary>
public sealed record ReplicatedBatch(BatchAppended Appended, ProduceStatus Status, string? Error);

/// <summary>Role actor → source: this broker stopped being a master; end every session and wait.</summary>
public sealed class StopServingReplicas
{
    public static readonly StopServingReplicas Instance = new();
    private StopServingReplicas() { }
}

/// <summary>Role actor → broker actor: the role or epoch changed (start or stop the master-only actors, publish).</summary>
public sealed record RoleChanged(BrokerRole Role, long Epoch);

/// <summary>Role actor → follower: follow this master (by broker id, in at least this epoch); null id: any master of the group.</summary>
public sealed record FollowTarget(long? MasterBrokerId, long MinEpoch);
