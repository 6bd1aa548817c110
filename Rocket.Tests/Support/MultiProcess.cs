using Xunit;

namespace Rocket.Tests.Support;

/// <summary>
/// Multi-process tests run one at a time, after every other test: the CI machine has two cores, and most of them time
/// failovers and restarts. <see cref="SideLane"/> holds the ones that only check outcomes (verbs against their own
/// standalone node, metadata recovery): one at a time too, but beside the unit tests, so the suite fits its 20 minutes.
/// </summary>
[CollectionDefinition(Collection, DisableParallelization = true)]
public sealed class MultiProcess
{
    public const string Collection = "multi-process";

    /// <summary>A collection of its own, run in parallel with the unit tests (see above).</summary>
    public const string SideLane = "multi-process-side-lane";

    /// <summary>Waits until the seed's gossip replica lists every named broker.</summary>
    public static Task AwaitBrokersAsync(Rocket.Client.RocketClient client, params string[] brokers) =>
        AwaitAsync(async () =>
        {
            var view = await client.Admin.GetClusterViewAsync();
            return brokers.All(b => view.Brokers.Any(r => r.BrokerName == b));
        }, $"brokers {string.Join(", ", brokers)} in the cluster view");

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task AwaitAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline) { }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
