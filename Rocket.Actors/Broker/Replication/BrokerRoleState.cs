using Rocket.Protocol;

namespace Rocket.Broker.Replication;

/// <summary>
/// The broker's role and epoch as the role actor last set them, readable from any actor without a lock (the
/// produce path checks it on every request). Only <see cref="BrokerRoleActor"/> writes Role and Epoch; the
/// replication actors write their own figures.
/// </summary>
public sealed class BrokerRoleState(BrokerRole role, long epoch)
{
    private volatile BrokerRoleSnapshot _current = new(role, epoch);
    private long _replicaLagBytes = -1;
    private volatile bool _hasSlaves;

    public BrokerRoleSnapshot Current => _current;

    public BrokerRole Role => _current.Role;

    public bool IsMaster => _current.Role.IsMaster();

    /// <summary>
    /// Why this broker refuses a write now (it is a slave: its group's master takes writes), or null while it is a
    /// master. Every write path (sends, send-backs, transaction ends) answers with this one text.
    /// </summary>
    public string? WriteRefusal(string brokerName, long brokerId) => _current is { } now && !now.Role.IsMaster()
        ? $"broker {brokerName} #{brokerId} is a slave (epoch {now.Epoch}) and does not accept writes; its group's master does"
        : null;

    internal void Set(BrokerRole role, long epoch) => _current = new BrokerRoleSnapshot(role, epoch);

    /// <summary>A slave's distance behind its master in bytes as it last knew; null while it knows none (or on a master).</summary>
    public long? ReplicaLagBytes
    {
        get { long lag = Interlocked.Read(ref _replicaLagBytes); return lag < 0 ? null : lag; }
        internal set => Interlocked.Exchange(ref _replicaLagBytes, value ?? -1);
    }

    /// <summary>Whether a slave session is open on this master: the produce path wakes the source only then.</summary>
    public bool HasSlaves
    {
        get => _hasSlaves;
        internal set => _hasSlaves = value;
    }
}

/// <summary>One consistent (role, epoch) pair.</summary>
public sealed record BrokerRoleSnapshot(BrokerRole Role, long Epoch);
