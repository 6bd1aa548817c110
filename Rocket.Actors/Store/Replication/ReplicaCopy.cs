using System.Buffers;
using System.Diagnostics;

namespace Rocket.Store.Replication;

/// <summary>What one <see cref="ReplicaCopy.CatchUp"/> copied and how fast.</summary>
public sealed record ReplicaCopyResult(long Bytes, int Chunks, TimeSpan CopyTime, TimeSpan ProjectTime)
{
    /// <summary>Log bytes per second of the copy alone (read on the master, checked and appended on the slave).</summary>
    public double CopyMegabytesPerSecond => Bytes / 1e6 / Math.Max(CopyTime.TotalSeconds, 1e-9);

    /// <summary>Including building the slave's consume queues and key index from the copied bytes.</summary>
    public double TotalMegabytesPerSecond => Bytes / 1e6 / Math.Max((CopyTime + ProjectTime).TotalSeconds, 1e-9);
}

/// <summary>
/// Copies one store's log into another the way replication does, with no actor or network in between: the store
/// side's catch-up rate alone (the figure replication's network and actors add to). For stores no actor drives
/// (benchmarks, tests, offline tools): it calls the journal's and the projector's methods on the caller's thread.
/// </summary>
public static class ReplicaCopy
{
    /// <summary>
    /// Copies <paramref name="master"/>'s log from <paramref name="slave"/>'s end to the master's end in reads of up to
    /// <paramref name="chunkBytes"/> (whole records; a larger record is read alone), then projects the slave.
    /// </summary>
    public static ReplicaCopyResult CatchUp(MessageStore master, MessageStore slave, int chunkBytes = 4 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(chunkBytes, master.ReplicaReadBufferMinimum));
        try
        {
            long start = slave.MaxOffset, end = master.MaxOffset;
            int chunks = 0;
            var copy = Stopwatch.StartNew();
            for (long from = start; from < end;)
            {
                int n = master.ReadWholeRecords(from, Math.Min(end, from + chunkBytes), buffer);
                if (n == 0) n = master.ReadWholeRecords(from, end, buffer);
                if (n == 0) throw new StoreException($"the master's log holds no whole record at {from} (its end is {end})");
                if (slave.AppendReplica(from, buffer.AsSpan(0, n)) is { } error) throw new StoreException($"the slave refused the bytes at {from}: {error}");
                from += n;
                chunks++;
            }
            copy.Stop();
            var project = Stopwatch.StartNew();
            slave.Project(slave.ProjectionLimit);
            return new ReplicaCopyResult(end - start, chunks, copy.Elapsed, project.Elapsed);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
