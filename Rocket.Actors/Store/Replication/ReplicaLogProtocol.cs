namespace Rocket.Store;

// The journal's replication messages as issue 11 names them. The store side (rstore) owns them and handles them in
// the journal; these definitions stand in until that lands on main (then the store's own replace this file).

/// <summary>Slave: append these whole records at <paramref name="StartOffset"/>; answered with ReplicaAppended or ReplicaAppendFailed.</summary>
public sealed record AppendReplica(long StartOffset, byte[] Bytes);

public sealed record ReplicaAppended(long MaxOffset);

public sealed record ReplicaAppendFailed(long MaxOffset, string Error);

/// <summary>Records that <paramref name="Epoch"/> begins at <paramref name="StartOffset"/> (the log's end); answered with EpochBegun.</summary>
public sealed record BeginEpoch(long Epoch, long StartOffset);

public sealed record EpochBegun(long Epoch, long StartOffset);

/// <summary>Cuts the log back to <paramref name="Offset"/> (a record boundary); answered with LogTruncated.</summary>
public sealed record TruncateLog(long Offset);

public sealed record LogTruncated(long MaxOffset);
