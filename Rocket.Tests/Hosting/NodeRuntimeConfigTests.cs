using System.Text.Json;
using Xunit;

namespace Rocket.Tests.Hosting;

/// <summary>
/// The runtime settings Rocket.Node ships in its runtimeconfig (set in Rocket.Node.csproj; README, "Performance").
/// Each was measured (docs/performance.md); taking one out fails here rather than only in a benchmark.
/// </summary>
public sealed class NodeRuntimeConfigTests
{
    private static JsonElement ConfigProperties()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Rocket.Node.runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} is missing: the test project references Rocket.Node, which writes it");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Theory]
    // Calls are counted from a method's first call, so the message path is compiled at tier 1 where it passes the
    // threshold, not in the first quiet moment, which was the next burst of load (thirtieth round).
    [InlineData("System.Runtime.TieredCompilation.CallCountingDelayMs", "0")]
    // Start-up code, called tens of times, is not recompiled under load (fifth round).
    [InlineData("System.Runtime.TieredCompilation.CallCountThreshold", "1000")]
    [InlineData("System.Runtime.TieredPGO", "false")]
    [InlineData("System.GC.Server", "true")]
    [InlineData("System.GC.DynamicAdaptationMode", "0")]
    [InlineData("System.GC.Gen0MaxBudget", "33554432")]
    [InlineData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", "0")]
    public void The_node_ships_the_runtime_setting(string name, string value)
    {
        Assert.True(ConfigProperties().TryGetProperty(name, out var setting), $"Rocket.Node.runtimeconfig.json has no {name}");
        Assert.Equal(value, setting.ToString().ToLowerInvariant());
    }
}
