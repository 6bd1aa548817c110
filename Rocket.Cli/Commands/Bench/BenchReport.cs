namespace Rocket.Cli.Commands.Bench;

/// <summary>
/// The JSON summary of <c>rocket bench produce|consume|e2e</c>. The percentiles are send latency (produce),
/// end-to-end latency (e2e: receive time minus the producer's timestamp), and null for consume (a backlog has no
/// meaningful per-message latency).
/// </summary>
public sealed record BenchReport(string Bench, string Topic, int Size)
{
    public long Sent { get; init; }
    public long Failed { get; init; }
    public long Received { get; init; }
    public double ElapsedMs { get; init; }
    public double MsgsPerS { get; init; }
    public double MbPerS { get; init; }
    public string LatencyOf { get; init; } = "";
    public double? P50Us { get; init; }
    public double? P99Us { get; init; }
    public double? P999Us { get; init; }
    public double? MaxUs { get; init; }
    public int? Concurrency { get; init; }
    public double? TargetRate { get; init; }
    public double? SendP99Us { get; init; }
    public long? Missing { get; init; }
    public long? Duplicates { get; init; }
    public string[] Errors { get; init; } = [];
    /// <summary>bench consume --sql: the filter, and how many of the sent messages it keeps.</summary>
    public string? Sql { get; init; }
    public long? Matching { get; init; }
    /// <summary>bench consume: the broker's CPU time (user + system) while consuming, and per delivered message.</summary>
    public double? BrokerCpuMs { get; init; }
    public double? BrokerCpuUsPerMsg { get; init; }
    /// <summary>bench e2e: this process's collections while it sent and received, their pauses in all and on average.</summary>
    public int? ClientGcCollections { get; init; }
    public double? ClientGcPauseMs { get; init; }
    public double? ClientGcPauseMeanMs { get; init; }

    public void PrintHuman(TextWriter o)
    {
        o.WriteLine($"bench {Bench}: {Topic}, {Size} B messages");
        o.WriteLine($"  sent {Sent:N0} ({Failed:N0} failed), received {Received:N0}, in {ElapsedMs / 1000:F2} s");
        o.WriteLine($"  {MsgsPerS,12:N0} msgs/s   {MbPerS,8:N1} MB/s" + (TargetRate is null ? "" : $"   (target {TargetRate:N0} msgs/s)"));
        if (P50Us is not null)
            o.WriteLine($"  {LatencyOf}: p50 {P50Us:N0} us, p99 {P99Us:N0} us, p99.9 {P999Us:N0} us, max {MaxUs:N0} us");
        if (Sql is not null) o.WriteLine($"  --sql {Sql}: {Matching:N0} of the sent messages match");
        if (BrokerCpuMs is not null) o.WriteLine($"  broker CPU {BrokerCpuMs:N0} ms while consuming: {BrokerCpuUsPerMsg:N1} us per delivered message");
        if (ClientGcCollections is not null)
            o.WriteLine($"  client GC: {ClientGcCollections:N0} collection(s), {ClientGcPauseMs:N1} ms paused" +
                        (ClientGcPauseMeanMs is null ? "" : $" ({ClientGcPauseMeanMs:N2} ms each on average)"));
        if (Missing is not null) o.WriteLine($"  missing {Missing:N0}" + (Duplicates is null ? "" : $", duplicates {Duplicates:N0}"));
    }
}
