namespace Rocket.Cli.Bench;

public sealed record StoreBenchOptions(int BodySize, long Count, bool SyncFlush, int Writers, int Batch, string? Directory, string SegmentSize, string[] Overrides);

/// <summary>One store benchmark run; serialised with snake_case names (msgs_per_s, mb_per_s, raw_mb_per_s, ratio).</summary>
public sealed record StoreBenchResult(
    string Flush,
    string Mode,
    int Size,
    long Count,
    long Failed,
    double ElapsedMs,
    double MsgsPerS,
    double MbPerS,
    long StoredBytes,
    double RawMbPerS,
    double Ratio,
    double? P50Us,
    double? P99Us,
    double? P999Us)
{
    public void PrintHuman(TextWriter o)
    {
        o.WriteLine($"store benchmark: {Count:N0} x {Size} B messages, {Flush}, {Mode}");
        o.WriteLine($"  appended   {MsgsPerS,12:N0} msgs/s   {MbPerS,8:N1} MB/s   ({ElapsedMs / 1000:F2} s, {Failed} failed)");
        o.WriteLine($"  raw mmap   {RawMbPerS,30:N1} MB/s");
        o.WriteLine($"  ratio      {Ratio,30:P1}");
        if (P50Us is not null)
            o.WriteLine($"  ack latency p50 {P50Us:N0} us, p99 {P99Us:N0} us, p99.9 {P999Us:N0} us");
    }
}
