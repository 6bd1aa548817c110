using Rocket.Cli.Commands.Shared;
using Rocket.Hosting;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Processes;

/// <summary>
/// A process that cannot run as configured stops at start, before <c>ready</c>, with one line naming the problem and
/// a non-zero exit code, and touches nothing (issue 8: a taken port, a misspelled key, an unusable store directory).
/// </summary>
[Collection(MultiProcess.LaneB)]
public class StartRefusalTests : IDisposable
{
    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_second_node_on_a_taken_port_exits_before_ready_and_the_first_keeps_serving()
    {
        using var first = new StandaloneNode();
        var store = _cluster.Directory + "/second";
        using (var second = _cluster.StartRaw("Rocket.Node.dll", StandaloneNode.Arguments(first.Port, store)))
        {
            var (ready, code) = RunToExit(second);
            Assert.Null(ready);
            Assert.Equal(NodeExitCode.CannotStart, code);
            AssertOneLine(second.StandardError, $"rocket standalone: port {first.Port} on 127.0.0.1 is already in use (");
        }
        Assert.False(Directory.Exists(store), "a node refused at start leaves no store behind");

        (await first.RocketAsync("send", "--topic", "PortTopic", "--count", "200", "--size", "64", "--verify-id", "port1")).Exits(ExitCodes.Ok);
        (await first.RocketAsync("consume", "--topic", "PortTopic", "--group", "port-group", "--from", "first",
            "--verify-id", "port1", "--expect", "200")).Exits(ExitCodes.Ok);
    }

    [Fact]
    public async Task A_second_seed_on_a_taken_port_exits_before_ready_and_the_first_keeps_serving()
    {
        _cluster.StartSeed();
        using (var second = _cluster.StartRaw("Rocket.Seed.dll", "--port", _cluster.SeedPort.ToString(), "--seeds", _cluster.Seeds))
        {
            var (ready, code) = RunToExit(second);
            Assert.Null(ready);
            Assert.Equal(NodeExitCode.CannotStart, code);
            AssertOneLine(second.StandardError, $"rocket seed: port {_cluster.SeedPort} on 127.0.0.1 is already in use (");
        }

        // The first seed still forms the cluster: a broker joins through it, and messages go round.
        await using var client = _cluster.Client();
        Assert.Empty((await client.Admin.GetClusterViewAsync()).Brokers); // connected before the broker starts
        _cluster.StartBroker("broker-a");
        // A broker says ready only once the seeds route to it: asked at once, without polling, the seed lists it.
        Assert.Contains((await client.Admin.GetClusterViewAsync()).Brokers, b => b.BrokerName == "broker-a");
        var seeds = _cluster.Seeds;
        (await RocketTool.RunAsync("send", "--topic", "SeedPortTopic", "--count", "200", "--size", "64", "--verify-id", "seed1", "--seeds", seeds, "--json")).Exits(ExitCodes.Ok);
        (await RocketTool.RunAsync("consume", "--topic", "SeedPortTopic", "--group", "seed-group", "--from", "first",
            "--verify-id", "seed1", "--expect", "200", "--seeds", seeds, "--json")).Exits(ExitCodes.Ok);
    }

    [Fact]
    public void A_misspelled_key_stops_the_node_naming_the_closest_valid_key()
    {
        var file = Path.Combine(_cluster.Directory, "misspelled.hocon");
        File.WriteAllText(file, "rocket.store.flush-disk-typ = SYNC_FLUSH\n");
        var store = Path.Combine(_cluster.Directory, "misspelled-store");
        using var node = _cluster.StartRaw("Rocket.Node.dll", "--config", file, "--standalone", "--port", FreePort.Next().ToString(), "--store", store);
        var (ready, code) = RunToExit(node);
        Assert.Null(ready);
        Assert.Equal(NodeExitCode.BadConfiguration, code);
        AssertOneLine(node.StandardError,
            $"rocket standalone: configuration error: unknown setting rocket.store.flush-disk-typ (did you mean rocket.store.flush-disk-type?) in configuration file {file}");
        Assert.False(Directory.Exists(store));
    }

    [Fact]
    public void A_store_directory_that_is_a_file_or_not_writable_is_one_line_and_leaves_nothing_behind()
    {
        var file = Path.Combine(_cluster.Directory, "a-file");
        File.WriteAllText(file, "not a directory");
        AssertRefused(file, $"the store directory {file} is a file, not a directory");
        AssertRefused(Path.Combine(file, "store"), $"cannot create the store directory {file}/store: {file} is a file");

        var readOnly = Path.Combine(_cluster.Directory, "read-only");
        Directory.CreateDirectory(readOnly);
        using (Immutable.Make(readOnly))
        {
            AssertRefused(readOnly, $"the store directory {readOnly} is not writable: ");
            AssertRefused(Path.Combine(readOnly, "store"), $"cannot create the store directory {readOnly}/store: ");
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(readOnly)); // no abort file, lock or probe left behind
    }

    private void AssertRefused(string store, string message)
    {
        using var node = _cluster.StartRaw("Rocket.Node.dll", "--standalone", "--port", FreePort.Next().ToString(), "--store", store);
        var (ready, code) = RunToExit(node);
        Assert.Null(ready);
        Assert.Equal(NodeExitCode.CannotStart, code);
        AssertOneLine(node.StandardError, $"rocket standalone: {message}");
    }

    /// <summary>The process's stderr is exactly one line, starting with <paramref name="start"/> (no stack trace).</summary>
    private static void AssertOneLine(string stderr, string start)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got {lines.Length}:\n{stderr}");
        Assert.StartsWith(start, lines[0]);
    }

    /// <summary>Reads stdout until the process ends; the first line starting with "ready" (null if none) and the exit code.</summary>
    private static (string? Ready, int ExitCode) RunToExit(ChildProcess process)
    {
        string? ready = null;
        while (process.ReadLine(TimeSpan.FromSeconds(60)) is { } line)
            if (line.StartsWith("ready", StringComparison.Ordinal)) ready ??= line;
        return (ready, process.WaitForExit());
    }
}
