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

    public RocketCluster() => SeedPort = FreePort.Next();

    public int SeedPort { get; }
    public string Seeds => $"127.0.0.1:{SeedPort}";
    public string Directory => _dir.Path;

    /// <summary>A client of this cluster (its own actor system).</summary>
    public Rocket.Client.RocketClient Client() =>
        Rocket.Client.RocketClient.Create(new Rocket.Client.ClientSettings { Seeds = [Seeds], SendTimeout = TimeSpan.FromSeconds(10) });

    public ChildProcess StartSeed()
    {
        var seed = ChildProcess.StartDotnet("Rocket.Seed.dll", "--port", SeedPort.ToString(), "--seeds", Seeds);
        AwaitReady(seed, "seed");
        _processes["seed"] = seed;
        return seed;
    }

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
        var broker = ChildProcess.StartDotnet("Rocket.Node.dll", "--config", configFile, "--seeds", Seeds);
        AwaitReady(broker, name);
        _processes[name] = broker;
        return broker;
    }

    /// <summary>Starts a broker process without waiting for it to be ready (for start-up failures).</summary>
    public ChildProcess StartRaw(string assembly, params string[] args) => ChildProcess.StartDotnet(assembly, args);

    /// <summary>Stops broker <paramref name="name"/> with SIGTERM; returns its exit code.</summary>
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

    private static void AwaitReady(ChildProcess process, string name)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = process.ReadLine(TimeSpan.FromMilliseconds(Math.Max(1, (deadline - DateTime.UtcNow).TotalMilliseconds)))
                ?? throw new InvalidOperationException($"{name} exited before it was ready: {process.StandardError}");
            if (line.StartsWith("ready", StringComparison.Ordinal)) return;
        }
        throw new TimeoutException($"{name} was not ready within {StartTimeout}: {process.StandardError}");
    }

    public void Dispose()
    {
        foreach (var p in _processes.Values) p.Dispose();
        _processes.Clear();
        _dir.Dispose();
    }
}
