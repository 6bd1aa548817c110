using Xunit;

namespace Rocket.Tests.Support;

/// <summary>
/// Where multi-process tests run. They mostly wait (process start, gossip, failure detection) and leave the CI
/// machine's two cores half idle, so they run in two lanes (<see cref="LaneA"/>, <see cref="LaneB"/>: one test at a time
/// in each, about the same total time in each) beside one unit-test class at a time, and start first
/// (<see cref="LanesFirst"/>, xunit.runner.json). A third lane was tried: the load (about 10 on two cores) made
/// failover and admin tests miss their bounds. Only the tests that time a restart against a bound
/// (<see cref="Collection"/>: RestartTests, 20 s) run alone, after everything else.
/// </summary>
[CollectionDefinition(Collection, DisableParallelization = true)]
public sealed class MultiProcess
{
    public const string Collection = "multi-process";

    /// <summary>A lane of multi-process tests, run in parallel with the unit tests and the other lane.</summary>
    public const string LaneA = "multi-process-lane-a";

    /// <summary>The other lane (see <see cref="LaneA"/>).</summary>
    public const string LaneB = "multi-process-lane-b";

    /// <summary>The lanes, by collection name.</summary>
    public static readonly IReadOnlySet<string> Lanes = new HashSet<string> { LaneA, LaneB };

    /// <summary>Waits until the seed's gossip replica lists every named broker.</summary>
    public static Task AwaitBrokersAsync(Rocket.Client.RocketClient client, params string[] brokers) =>
        AwaitAsync(async () =>
        {
            var view = await client.Admin.GetClusterViewAsync();
            return brokers.All(b => view.Brokers.Any(r => r.BrokerName == b));
        }, $"brokers {string.Join(", ", brokers)} in the cluster view");

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after the timeout.</summary>
    public static Task AwaitAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        AwaitAsync(condition, () => what, timeout);

    /// <summary>As above, with the failure text made when it fails (so it can say how far the condition got).</summary>
    public static async Task AwaitAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline) { }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"timed out waiting for {what()}");
            await Task.Delay(100);
        }
    }
}
