namespace Rocket.Cli.Commands.Bench;

/// <summary>
/// Resident memory of a broker process on this machine, read from <c>/proc/PID/status</c> (Linux): VmRSS (all
/// resident pages, including the store's memory-mapped files) and RssAnon (the heap and other private memory).
/// Sampled in the background so a run reports its peak.
/// </summary>
public sealed class BrokerMemory : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;

    private BrokerMemory(int pid)
    {
        _pid = pid;
        Start = Read(pid) ?? default;
        Peak = Start;
        _sampler = Task.Run(SampleAsync);
    }

    public readonly record struct Sample(double RssMb, double AnonMb);

    public Sample Start { get; }
    public Sample Peak { get; private set; }

    /// <summary>Starts sampling <paramref name="pid"/>, or the only local Rocket.Node process; null (with the reason) when there is none.</summary>
    public static BrokerMemory? Watch(int? pid, out string? why)
    {
        why = null;
        if (pid is { } given) return Read(given) is null ? Fail($"no readable process {given} (--broker-pid)", out why) : new BrokerMemory(given);
        var nodes = LocalNodes();
        return nodes.Count == 1 ? new BrokerMemory(nodes[0])
            : Fail(nodes.Count == 0 ? "no local Rocket.Node process found" : $"{nodes.Count} local Rocket.Node processes ({string.Join(", ", nodes)}): pick one with --broker-pid", out why);
    }

    private static BrokerMemory? Fail(string reason, out string why)
    {
        why = reason;
        return null;
    }

    internal static List<int> LocalNodes()
    {
        var found = new List<int>();
        if (!Directory.Exists("/proc")) return found;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                // The node itself (Rocket.Node or `dotnet Rocket.Node.dll`), not `dotnet run --project Rocket.Node` (a build host).
                if (args.Length > 0 && (Path.GetFileName(args[0]) == "Rocket.Node" || (args.Length > 1 && Path.GetFileName(args[1]) == "Rocket.Node.dll")))
                    found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    private static Sample? Read(int pid)
    {
        try
        {
            double rss = 0, anon = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line) / 1024.0;
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kb(line) / 1024.0;
            }
            return new Sample(rss, anon);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (Read(_pid) is { } s) Peak = new Sample(Math.Max(Peak.RssMb, s.RssMb), Math.Max(Peak.AnonMb, s.AnonMb));
            try { await Task.Delay(250, _stop.Token); } catch (OperationCanceledException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _sampler;
        _stop.Dispose();
    }
}
