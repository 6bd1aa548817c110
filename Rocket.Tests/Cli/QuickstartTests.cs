using Rocket.Cli.Commands.Shared;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>
/// <c>rocket quickstart</c> end to end: it starts its own seed and broker, round-trips the messages, stops both and
/// deletes its store, leaving no process behind.
/// </summary>
[Collection(MultiProcess.LaneA)]
public class QuickstartTests
{
    [Fact]
    public async Task Quickstart_round_trips_every_message_and_leaves_no_process_or_store_behind()
    {
        var run = (await RocketTool.RunAsync("quickstart", "--messages", "300", "--json")).Exits(ExitCodes.Ok);
        var report = run.Json();
        Assert.True(report.GetProperty("ok").GetBoolean());
        Assert.Equal(300, report.GetProperty("sent").GetInt64());
        Assert.Equal(0, report.GetProperty("failed").GetInt64());
        Assert.Equal(300, report.GetProperty("received").GetInt64());
        Assert.Equal(0, report.GetProperty("missing").GetInt64());
        var queues = report.GetProperty("queues").EnumerateArray().ToArray();
        Assert.Equal(300, queues.Sum(q => q.GetProperty("sent").GetInt64()));
        Assert.Equal(300, queues.Sum(q => q.GetProperty("received").GetInt64()));
        Assert.Equal("QuickstartTopic", report.GetProperty("route").GetProperty("topic").GetString());

        // Both nodes stopped gracefully (SIGTERM, exit code 0), not killed.
        var stops = report.GetProperty("stops").EnumerateArray().Select(s => s.GetString()!).ToArray();
        Assert.Equal(2, stops.Length);
        Assert.All(stops, s => Assert.Contains("exit code 0", s));

        // No process still runs with the quickstart's seed address on its command line.
        string seeds = report.GetProperty("seeds").GetString()!;
        Assert.Empty(ProcessesMentioning(seeds));

        // The store folder it announced on stderr is gone.
        var storeLine = run.Stderr.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("store: ", StringComparison.Ordinal));
        Assert.NotNull(storeLine);
        Assert.False(Directory.Exists(storeLine["store: ".Length..]), $"{storeLine} still exists");
    }

    [Fact]
    public async Task Sigterm_during_quickstart_stops_its_nodes_and_exits_130()
    {
        using var quickstart = RocketTool.Start("quickstart", "--messages", "2000000", "--json");
        int[] nodes = [];
        await MultiProcess.AwaitAsync(() =>
        {
            nodes = ChildrenOf(quickstart.Id);
            return Task.FromResult(nodes.Any(pid => CommandLine($"/proc/{pid}").Contains("Rocket.Node.dll", StringComparison.Ordinal)));
        }, "quickstart's broker process", TimeSpan.FromSeconds(60));
        Assert.Equal(2, nodes.Length);

        Assert.Equal(ExitCodes.Interrupted, quickstart.Terminate(TimeSpan.FromSeconds(60)));
        Assert.All(nodes, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"node process {pid} outlived the quickstart"));
    }

    /// <summary>Pids whose parent is <paramref name="parent"/> (field 4 of /proc/pid/stat, after the parenthesised name).</summary>
    private static int[] ChildrenOf(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent)
            .ToArray();

    private static int ParentOf(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException) { return 0; } // the process ended while we looked
    }

    /// <summary>Pids of processes whose command line contains <paramref name="text"/> (Linux /proc).</summary>
    private static int[] ProcessesMentioning(string text) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => (Pid: int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0, Dir: d))
            .Where(p => p.Pid > 0 && CommandLine(p.Dir).Contains(text, StringComparison.Ordinal))
            .Select(p => p.Pid)
            .ToArray();

    private static string CommandLine(string procDir)
    {
        try { return File.ReadAllText(Path.Combine(procDir, "cmdline")).Replace('\0', ' '); }
        catch (IOException) { return ""; } // the process ended while we looked
        catch (UnauthorizedAccessException) { return ""; }
    }
}
