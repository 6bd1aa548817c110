using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Processes;

/// <summary>Starting and stopping the seed and node processes.</summary>
[Collection(MultiProcess.LaneB)]
public class ProcessLifecycleTests : IDisposable
{
    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public void Sigterm_stops_a_broker_cleanly_and_a_second_broker_on_its_store_is_refused_while_it_runs()
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a");
        var store = _cluster.StoreOf("broker-a");
        Assert.True(File.Exists(Path.Combine(store, "abort")), "a running store has its abort file");

        using (var second = _cluster.StartRaw("Rocket.Node.dll", "--seeds", _cluster.Seeds, "--port", FreePort.Next().ToString(), "--store", store))
        {
            Assert.Null(ReadUntilExit(second));
            Assert.Contains("already in use by another process", second.StandardError);
        }

        Assert.Equal(0, _cluster.Terminate("broker-a"));
        Assert.False(File.Exists(Path.Combine(store, "abort")), "a clean stop removes the abort file");
    }

    [Fact]
    public void A_broken_configuration_stops_the_process_with_a_message_naming_the_key()
    {
        var file = Path.Combine(_cluster.Directory, "broken.hocon");
        File.WriteAllText(file, "rocket.store.flush-disk-type = SOMETIMES\n");
        using var node = _cluster.StartRaw("Rocket.Node.dll", "--config", file, "--seeds", _cluster.Seeds);
        Assert.Null(ReadUntilExit(node));
        Assert.Contains("rocket.store.flush-disk-type", node.StandardError);

        File.WriteAllText(file, "rocket { broker { broker-name = \"x\"\n");
        using var truncated = _cluster.StartRaw("Rocket.Node.dll", "--config", file, "--seeds", _cluster.Seeds);
        Assert.Null(ReadUntilExit(truncated));
        Assert.Contains("never closed", truncated.StandardError);
    }

    [Fact]
    public void A_running_node_watches_no_files()
    {
        // The host's appsettings reload would watch the working directory and everything below it, where a node's store
        // usually lives: every commit-log write would then wake the watcher (docs/performance.md, twentieth round).
        var seed = _cluster.StartSeed();
        var watches = Directory.GetFiles($"/proc/{seed.Id}/fdinfo")
            .SelectMany(f => { try { return File.ReadAllLines(f); } catch (IOException) { return []; } })
            .Count(line => line.StartsWith("inotify", StringComparison.Ordinal));
        Assert.Equal(0, watches);
    }

    /// <summary>Reads stdout until the process closes it; returns the first line starting with "ready" (null if none).</summary>
    private static string? ReadUntilExit(ChildProcess process)
    {
        string? ready = null;
        while (process.ReadLine(TimeSpan.FromSeconds(60)) is { } line)
            if (line.StartsWith("ready", StringComparison.Ordinal)) ready ??= line;
        Assert.NotEqual(0, process.WaitForExit()); // also drains stderr
        return ready;
    }
}
