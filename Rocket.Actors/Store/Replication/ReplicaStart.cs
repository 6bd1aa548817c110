namespace Rocket.Store.Replication;

/// <summary>How a slave starts copying from its master, decided at the handshake by <see cref="ReplicaStart.Decide"/>.</summary>
public enum ReplicaStartKind
{
    /// <summary>Copy from <see cref="ReplicaStart.Offset"/> (the slave's log end).</summary>
    Continue,
    /// <summary>
    /// The master's retention removed what the slave needs next (its min offset is above the slave's log end): empty the
    /// slave with <see cref="StartLogAt"/>(<see cref="ReplicaStart.Offset"/> = the master's min offset), then copy from there.
    /// </summary>
    StartEmptyAt,
    /// <summary>The slave cannot follow this master at all; <see cref="ReplicaStart.Error"/> says why.</summary>
    Refused,
}

/// <summary>
/// The store side of a replication handshake. Divergent histories (the slave holds bytes of an epoch the master does
/// not) are settled before this by <see cref="EpochHistory.ConsistentOffset"/> and <see cref="TruncateLog"/>.
/// </summary>
public sealed record ReplicaStart(ReplicaStartKind Kind, long Offset, string? Error)
{
    /// <summary>
    /// Decides from the slave's store and what the master reported of its own (<paramref name="masterSegmentSize"/>,
    /// <paramref name="masterMinOffset"/>, <paramref name="masterMaxOffset"/>).
    /// </summary>
    public static ReplicaStart Decide(IReplicaLog slave, int masterSegmentSize, long masterMinOffset, long masterMaxOffset)
    {
        if (masterSegmentSize != slave.SegmentSize)
            return new(ReplicaStartKind.Refused, slave.MaxOffset,
                $"this slave's commit-log segments are {slave.SegmentSize} bytes but its master's are {masterSegmentSize}: " +
                "a replica's log must be byte-identical, so both need the same rocket.store.mapped-file-size-commit-log");
        long end = slave.MaxOffset;
        if (end > masterMaxOffset)
            return new(ReplicaStartKind.Refused, end,
                $"this slave's log ends at {end}, beyond its master's end {masterMaxOffset}: it holds bytes the master does not; " +
                "truncate it at the offset where the epoch histories agree (EpochHistory.ConsistentOffset) first");
        if (end < masterMinOffset)
            return new(ReplicaStartKind.StartEmptyAt, masterMinOffset,
                $"this slave's log ends at {end} but its master's log starts at {masterMinOffset} (retention removed the bytes " +
                $"in between): the slave starts over, empty, at {masterMinOffset}");
        return new(ReplicaStartKind.Continue, end, null);
    }
}
