using Rocket.Cli.Commands.Shared;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>
/// <c>rocket send</c> to a topic whose only broker is paused (SIGSTOP: its process lives, nobody hears from it) says
/// that the broker is not reachable, not that the topic does not exist (issue 8, point 6).
/// </summary>
[Collection(MultiProcess.LaneB)]
public class PausedBrokerVerbTests : IDisposable
{
    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_send_to_a_topic_whose_only_broker_is_paused_names_the_broker_as_not_reachable()
    {
        // The split-brain resolver would down the paused broker after 10 s of stable membership (its record then leaves
        // the routes for good); a minute keeps it an unreachable member while the tool runs.
        const string slowDowning = "akka.cluster.split-brain-resolver.stable-after = 60s";
        _cluster.StartSeed(extraHocon: slowDowning);
        var broker = _cluster.StartBroker("broker-a", extraHocon: slowDowning);
        await using (var client = _cluster.Client())
            await MultiProcess.AwaitBrokersAsync(client, "broker-a"); // "ready" is the broker's own; the seed learns of it by gossip
        (await RocketTool.RunAsync("topic", "create", "--topic", "Paused", "--queues", "2", "--seeds", _cluster.Seeds, "--json")).Exits(ExitCodes.Ok);

        broker.Signal("STOP");
        try
        {
            await using (var client = _cluster.Client())
                await MultiProcess.AwaitAsync(async () => (await client.Admin.GetClusterViewAsync()).Members.Any(m => !m.Reachable),
                    "the seed sees the paused broker as unreachable");

            var run = (await RocketTool.RunAsync("send", "--topic", "Paused", "--count", "3", "--seeds", _cluster.Seeds, "--json")).Exits(ExitCodes.Failed);
            var report = run.Json();
            Assert.Equal(3, report.GetProperty("failed").GetInt64());
            var error = Assert.Single(report.GetProperty("errors").EnumerateArray().Select(e => e.GetString()).Distinct());
            Assert.Contains("broker broker-a, which is not reachable", error);
            Assert.DoesNotContain("does not exist", run.Stdout + run.Stderr);
        }
        finally
        {
            broker.Signal("CONT");
        }
    }
}
