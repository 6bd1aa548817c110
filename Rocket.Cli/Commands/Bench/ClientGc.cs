namespace Rocket.Cli.Commands.Bench;

/// <summary>
/// This process's garbage collections: how many, and how long the runtime paused the process for them. The latency a
/// collection adds is its pause, so a client-side change is judged by the mean pause as much as by the count
/// (docs/performance.md, twenty-fifth round).
/// </summary>
public readonly record struct ClientGc(int Collections, TimeSpan Paused)
{
    /// <summary>So far in this process. Every collection, of any generation, collects gen0 and counts there.</summary>
    public static ClientGc SoFar() => new(GC.CollectionCount(0), GC.GetTotalPauseDuration());

    /// <summary>What happened between <paramref name="start"/> and this.</summary>
    public ClientGc Since(ClientGc start) => new(Collections - start.Collections, Paused - start.Paused);

    public double PausedMs => Paused.TotalMilliseconds;

    /// <summary>Null when there was no collection.</summary>
    public double? MeanPauseMs => Collections > 0 ? Paused.TotalMilliseconds / Collections : null;
}
