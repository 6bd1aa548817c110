using System.Diagnostics;
using HdrHistogram;

namespace Rocket.Cli.Commands.Shared;

/// <summary>
/// A thread-safe HdrHistogram of latencies in microseconds (1 us .. 10 min, 3 significant digits). Sends complete
/// on thread-pool threads, so recording must not need a lock.
/// </summary>
public sealed class Latency
{
    private readonly LongConcurrentHistogram _histogram = new(1, 600_000_000, 3);

    public void RecordSince(long startTimestamp) => RecordMicros(ElapsedMicros(startTimestamp));

    public void RecordMicros(long micros) => _histogram.RecordValue(Math.Clamp(micros, 1, 600_000_000));

    public long Count => _histogram.TotalCount;

    public static long ElapsedMicros(long startTimestamp) =>
        (Stopwatch.GetTimestamp() - startTimestamp) * 1_000_000 / Stopwatch.Frequency;

    /// <summary>The percentile in microseconds, or null when nothing was recorded (JSON shows null, not 0).</summary>
    public double? Percentile(double p) => _histogram.TotalCount == 0 ? null : _histogram.GetValueAtPercentile(p);

    public double? Max => _histogram.TotalCount == 0 ? null : _histogram.GetMaxValue();

    public LatencySummary Summary() => new(Percentile(50), Percentile(99), Percentile(99.9), Max);
}

public sealed record LatencySummary(double? P50Us, double? P99Us, double? P999Us, double? MaxUs)
{
    public override string ToString() => P50Us is null
        ? "no samples"
        : $"p50 {Us(P50Us)}, p99 {Us(P99Us)}, p99.9 {Us(P999Us)}, max {Us(MaxUs)}";

    private static string Us(double? us) => us switch
    {
        null => "-",
        < 10_000 => $"{us:N0} us",
        _ => $"{us / 1000:N1} ms",
    };
}
