using Rocket.Client;

namespace Rocket.Tests.Support;

/// <summary>
/// One <c>Rocket.Node --standalone</c> process (seed and broker in one) on a free loopback port with its store in a
/// temp folder; ready once the node printed "ready" and its seed lists the broker. Used as an xunit class fixture, so
/// a test class shares one node. Disposing kills the process and deletes the folder.
/// </summary>
public sealed class StandaloneNode : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _dir = new("standalone");
    private ChildProcess? _process;

    public StandaloneNode() : this(null, []) { }

    private StandaloneNode(string? store, string[] extraArguments)
    {
        Port = FreePort.Next();
        StorePath = store ?? _dir.Combine("store");
        // SQL92 filtering on (RocketMQ's default is off), so that `consume --sql` can be tested against the shared node;
        // a caller that brings its own --config keeps it (the flag takes one file).
        string[] config = [];
        if (!extraArguments.Contains("--config"))
        {
            config = ["--config", _dir.Combine("standalone.conf")];
            File.WriteAllText(config[1], "rocket.broker.enable-property-filter = on\n");
        }
        _process = ChildProcess.StartDotnet("Rocket.Node.dll", [.. Arguments(Port, StorePath), .. config, .. extraArguments]);
        try
        {
            ReadyLine = AwaitReady(_process);
            AwaitBrokerAsync().GetAwaiter().GetResult();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Port { get; }
    public string Seeds => $"127.0.0.1:{Port}";
    public string StorePath { get; }
    public string ReadyLine { get; }
    public ChildProcess Process => _process ?? throw new InvalidOperationException("the node was stopped");

    /// <summary>A standalone node on a new port serving an existing store (which it does not delete).</summary>
    public static StandaloneNode OnStore(string store, params string[] extraArguments) => new(store, extraArguments);

    /// <summary>The node's command line: a standalone node on <paramref name="port"/> that seeds itself.</summary>
    public static string[] Arguments(int port, string store) => ["--standalone", "--port", port.ToString(), "--store", store];

    /// <summary>A client of this node (its own actor system), logging to <paramref name="loggerFactory"/> when given.</summary>
    public RocketClient Client(Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null) =>
        RocketClient.Create(ProcessClientSettings.For(Seeds) with { LoggerFactory = loggerFactory });

    /// <summary><c>rocket {args} --seeds {this node} --json</c>.</summary>
    public Task<ToolRun> RocketAsync(params string[] args) => RocketTool.RunAsync([.. args, "--seeds", Seeds, "--json"]);

    /// <summary>SIGTERM; returns the exit code.</summary>
    public int Terminate()
    {
        var process = Process;
        int code = process.Terminate(TimeSpan.FromSeconds(60));
        process.Dispose();
        _process = null;
        return code;
    }

    /// <summary>
    /// "ready" means a cluster member; the seed's gossip replica lists the broker a moment later. A failure carries the
    /// node's state and last lines and what the client logged: CI once saw a node that said "ready" not answer a client
    /// for 30 s, with nothing to tell whether it had exited, stalled or refused the connection.
    /// </summary>
    private async Task AwaitBrokerAsync()
    {
        var clientLog = new CapturingLoggerFactory();
        try
        {
            await using var client = Client(clientLog);
            await MultiProcess.AwaitBrokersAsync(client, "broker-a");
        }
        catch (Exception e) when (_process is { } process)
        {
            var state = process.HasExited ? $"exited with {process.WaitForExit()}" : "still running";
            var logged = clientLog.Entries.Select(entry => $"client {entry.Level}: {entry.Message}");
            throw new InvalidOperationException(
                $"the standalone node on port {Port} said \"{ReadyLine}\" but no client saw its broker ({e.Message}); the node is {state}; " +
                $"its last lines and the client's log:{Environment.NewLine}{string.Join(Environment.NewLine, process.LastLines(40).Concat(logged))}", e);
        }
    }

    public static string AwaitReady(ChildProcess process)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = process.ReadLine(TimeSpan.FromMilliseconds(Math.Max(1, (deadline - DateTime.UtcNow).TotalMilliseconds)))
                ?? throw new InvalidOperationException($"the standalone node exited before it was ready: {process.StandardError}");
            if (line.StartsWith("ready", StringComparison.Ordinal)) return line;
        }
        throw new TimeoutException($"the standalone node was not ready within {StartTimeout}: {process.StandardError}");
    }

    public void Dispose()
    {
        _process?.Dispose();
        _process = null;
        _dir.Dispose();
    }
}
