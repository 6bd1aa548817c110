using System.Collections.Concurrent;

namespace Rocket.Tests.Support;

/// <summary>
/// Real seed and broker processes on free loopback ports with stores in a temp folder. Disposing kills every process
/// still running and deletes the folder.
/// </summary>
public sealed class RocketCluster : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _dir = new("cluster");
    private readonly ConcurrentDictionary<string, ChildProcess> _processes = new();

    /// <param name="seeds">How many seed processes the cluster has (each on its own fixed port, all listed in <see cref="Seeds"/>).</param>
    public RocketCluster(int seeds = 1)
    {
        if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "a cluster needs at least one seed");
        SeedPorts = Enumerable.Range(0, seeds).Select(_ => FreePort.Next()).ToArray();
    }

    public IReadOnlyList<int> SeedPorts { get; }
    public int SeedPort => SeedPorts[0];

    /// <summary>Every seed as host:port, comma-separated, first seed first (what every process is given).</summary>
    public string Seeds => string.Join(",", SeedPorts.Select(p => $"127.0.0.1:{p}"));

    public string Directory => _dir.Path;

    /// <summary>How long the last <see cref="StartSeed"/> or <see cref="StartBroker"/> took from process start to its <c>ready</c> line.</summary>
    public TimeSpan LastStartToReady { get; private set; }

    /// <summary>A client of this cluster (its own actor system).</summary>
    public Rocket.Client.RocketClient Client() =>
        Rocket.Client.RocketClient.Create(ProcessClientSettings.For(Seeds.Split(',')));

    /// <summary>Starts (or restarts, on its own port) seed <paramref name="index"/> (0 = first); named "seed" or "seed-2", "seed-3", ….</summary>
    /// <param name="extraHocon">Settings for this seed, written to its config file (e.g. split-brain-resolver timing).</param>
    public ChildProcess StartSeed(int index = 0, string extraHocon = "")
    {
        string name = SeedName(index);
        if (_processes.ContainsKey(name)) throw new InvalidOperationException($"{name} is already running");
        string[] args = ["--port", SeedPorts[index].ToString(), "--seeds", Seeds];
        if (extraHocon.Length > 0)
        {
            var configFile = Path.Combine(_dir.Path, $"{name}.hocon");
            File.WriteAllText(configFile, extraHocon);
            args = [.. args, "--config", configFile];
        }
        var seed = ChildProcess.StartDotnet("Rocket.Seed.dll", args);
        AwaitReady(seed, name);
        _processes[name] = seed;
        return seed;
    }

    public static string SeedName(int index) => index == 0 ? "seed" : $"seed-{index + 1}";

    /// <summary>A client that knows only seed <paramref name="index"/> (to check that this seed serves routes).</summary>
    public Rocket.Client.RocketClient ClientOfSeed(int index) =>
        Rocket.Client.RocketClient.Create(ProcessClientSettings.For($"127.0.0.1:{SeedPorts[index]}"));

    /// <summary>Starts (or restarts, reusing its store and port) broker <paramref name="name"/>.</summary>
    public ChildProcess StartBroker(string name, string flush = "ASYNC_FLUSH", string extraHocon = "")
    {
        var configFile = Path.Combine(_dir.Path, $"{name}.hocon");
        if (!File.Exists(configFile))
        {
            File.WriteAllText(configFile, $$"""
                akka.remote.dot-netty.tcp.port = {{FreePort.Next()}}
                rocket.broker.broker-name = "{{name}}"
                rocket.store {
                  dir = "{{Path.Combine(_dir.Path, name).Replace("\\", "/")}}"
                  flush-disk-type = {{flush}}
                  mapped-file-size-commit-log = 8m
                  mapped-file-size-consume-queue = 60000
                  max-message-size = 1m
                  max-hash-slot-num = 100000
                  max-index-num = 400000
                }
                {{extraHocon}}
                """);
        }
        if (_processes.ContainsKey(name)) throw new InvalidOperationException($"{name} is already running");
        var broker = ChildProcess.StartDotnet("Rocket.Node.dll", "--config", configFile, "--seeds", Seeds);
        AwaitReady(broker, name);
        _processes[name] = broker;
        return broker;
    }

    /// <summary>Starts a broker process without waiting for it to be ready (for start-up failures).</summary>
    public ChildProcess StartRaw(string assembly, params string[] args) => ChildProcess.StartDotnet(assembly, args);

    /// <summary>Stops process <paramref name="name"/> (a broker, "seed", "seed-2", …) with SIGTERM; returns its exit code.</summary>
    public int Terminate(string name)
    {
        if (!_processes.TryRemove(name, out var process)) throw new InvalidOperationException($"{name} is not running");
        using (process) return process.Terminate(TimeSpan.FromSeconds(60));
    }

    public string StoreOf(string name) => Path.Combine(_dir.Path, name);

    public void Kill(string name)
    {
        if (_processes.TryRemove(name, out var process))
        {
            process.Kill();
            process.Dispose();
        }
    }

    private void AwaitReady(ChildProcess process, string name)
    {
        var started = DateTime.UtcNow;
        var deadline = started + StartTimeout;
        var recent = new Queue<string>(); // the process's last lines, for the failure message
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                var line = process.ReadLine(TimeSpan.FromMilliseconds(Math.Max(1, (deadline - DateTime.UtcNow).TotalMilliseconds)))
                    ?? throw new InvalidOperationException($"{name} exited before it was ready: {process.StandardError}");
                if (line.StartsWith("ready", StringComparison.Ordinal))
                {
                    LastStartToReady = DateTime.UtcNow - started;
                    return;
                }
                recent.Enqueue(line);
                if (recent.Count > 60) recent.Dequeue();
            }
        }
        catch (TimeoutException) { }
        throw new TimeoutException($"{name} was not ready within {StartTimeout}: {process.StandardError}\nlast output:\n{string.Join("\n", recent)}");
    }

    public void Dispose()
    {
        foreach (var p in _processes.Values) p.Dispose();
        _processes.Clear();
        _dir.Dispose();
    }
}
