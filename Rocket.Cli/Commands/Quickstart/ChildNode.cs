using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Rocket.Cli.Commands.Quickstart;

/// <summary>
/// A seed or broker started as <c>dotnet Rocket.X.dll ...</c>. Its output is kept (the last lines) for error reports;
/// <see cref="ReadyAsync"/> waits for the line starting with "ready". Stopping sends SIGTERM first so that the node
/// leaves the cluster and flushes its store, and kills only when that does not end it in time.
/// </summary>
public sealed class ChildNode : IAsyncDisposable
{
    private const int LinesKept = 40;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildNode(string name, Process process)
    {
        Name = name;
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, stdout: false);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"{Name} exited (code {SafeExitCode()}) before it was ready:\n{Tail}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }
    public int Id => _process.Id;

    /// <summary>The last lines the node printed (stdout and stderr).</summary>
    public string Tail
    {
        get { lock (_tail) return string.Join('\n', _tail); }
    }

    public static ChildNode Start(string name, string assemblyPath, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // a node must not share our terminal's input
            UseShellExecute = false,
        };
        info.ArgumentList.Add(assemblyPath);
        foreach (var a in args) info.ArgumentList.Add(a);
        return new ChildNode(name, Process.Start(info) ?? throw new InvalidOperationException($"could not start {assemblyPath}"));
    }

    /// <summary>The "ready" line; fails when the node exits first or stays silent for <paramref name="timeout"/>.</summary>
    public async Task<string> ReadyAsync(TimeSpan timeout)
    {
        try { return await _ready.Task.WaitAsync(timeout); }
        catch (TimeoutException) { throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s:\n{Tail}"); }
    }

    private void OnLine(string? line, bool stdout)
    {
        if (line is null) return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > LinesKept) _tail.Dequeue();
        }
        if (stdout && line.StartsWith("ready", StringComparison.Ordinal)) _ready.TrySetResult(line);
    }

    /// <summary>SIGTERM, wait up to <paramref name="grace"/>, then SIGKILL. Returns how it ended.</summary>
    public async Task<string> StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return $"had exited (code {SafeExitCode()})";
        if (!OperatingSystem.IsWindows() && SendSigterm())
        {
            using var wait = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(wait.Token);
                return $"stopped (SIGTERM, exit code {SafeExitCode()})";
            }
            catch (OperationCanceledException) { }
        }
        _process.Kill(entireProcessTree: true); // Process.Kill is SIGKILL: only when the graceful stop did not work
        await _process.WaitForExitAsync();
        return "killed";
    }

    /// <summary>Process.Kill can only SIGKILL; the kill(1) utility sends SIGTERM without native interop.</summary>
    private bool SendSigterm()
    {
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString()]) { UseShellExecute = false });
            if (kill is null) return false;
            kill.WaitForExit();
            return kill.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; } // no kill(1) on this system
    }

    private string SafeExitCode()
    {
        try { return _process.ExitCode.ToString(); }
        catch (InvalidOperationException) { return "?"; }
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(TimeSpan.FromSeconds(10)); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }

    /// <summary>A loopback port nobody listens on right now (the OS picks it).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }
}
