using Rocket.Protocol;

namespace Rocket.Cli.Commands;

/// <summary>
/// A broker's figures in <c>rocket cluster</c>: store disk use (bytes of the files in its store directory, preallocated
/// segments counted whole) and the free / total bytes of the volume, commit-log offsets, and messages in (appended) and
/// out (delivered by pulls) over the 60 whole seconds before the question, as totals and per second.
/// </summary>
public sealed record BrokerFigures(string StoreDir, long StoreBytes, long DiskFreeBytes, long DiskTotalBytes, long CommitLogMinOffset,
    long CommitLogMaxOffset, long InMsgsLastMinute, long OutMsgsLastMinute, double InMsgsPerS, double OutMsgsPerS)
{
    public static BrokerFigures Of(BrokerStats s) => new(s.StoreDirectory, s.StoreBytes, s.DiskFreeBytes, s.DiskTotalBytes, s.CommitLogMinOffset,
        s.CommitLogMaxOffset, s.AppendedLastMinute, s.DeliveredLastMinute, s.AppendedLastMinute / 60.0, s.DeliveredLastMinute / 60.0);

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
