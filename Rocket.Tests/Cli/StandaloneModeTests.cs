using Rocket.Cli.Commands.Shared;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>
/// <c>Rocket.Node --standalone</c>: one process that is seed and broker serves sends and consumers through the
/// rocket tool, stops cleanly on SIGTERM, and a new standalone process on the same store serves what was stored.
/// </summary>
[Collection(MultiProcess.LaneA)]
public class StandaloneModeTests
{
    [Fact]
    public async Task A_standalone_node_serves_a_round_trip_stops_cleanly_and_keeps_its_messages()
    {
        using var node = new StandaloneNode();
        Assert.StartsWith("ready", node.ReadyLine);
        var sent = (await node.RocketAsync("send", "--topic", "Standalone", "--count", "500", "--verify-id", "sa1")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(500, sent.GetProperty("sent").GetInt64());
        await ConsumeAll(node, "first-life");

        Assert.Equal(0, node.Terminate());
        Assert.False(File.Exists(Path.Combine(node.StorePath, "abort")), "a clean stop removes the store's abort file");

        // The same store in a new standalone process (on a new port): every message is still there.
        using var again = StandaloneNode.OnStore(node.StorePath);
        await ConsumeAll(again, "second-life");
    }

    private static async Task ConsumeAll(StandaloneNode node, string group)
    {
        var consumed = (await node.RocketAsync("consume", "--topic", "Standalone", "--group", group, "--from", "first",
            "--verify-id", "sa1", "--expect", "500", "--timeout", "30")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(500, consumed.GetProperty("unique").GetInt64());
        Assert.Equal(0, consumed.GetProperty("missing").GetInt64());
    }
}
