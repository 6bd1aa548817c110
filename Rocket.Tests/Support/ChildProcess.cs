using System.Diagnostics;

namespace Rocket.Tests.Support;

/// <summary>
/// A .NET tool started from the test output folder (e.g. rocket.dll), its stdout read line by line.
/// Disposing kills it (SIGKILL) if it is still running, so no test leaves a process behind.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.BlockingCollection<string> _lines = new();
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly System.Text.StringBuilder _stdout = new(); // everything, also the lines ReadLine took

    private ChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.CompleteAdding();
                return;
            }
            lock (_stdout) _stdout.AppendLine(e.Data);
            _lines.Add(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public string StandardError
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>Every stdout line so far, including those <see cref="ReadLine"/> returned.</summary>
    public string StandardOutput
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    /// <summary>The last <paramref name="count"/> lines of stderr, then of stdout, each named by its stream (for a failure's output).</summary>
    public IEnumerable<string> LastLines(int count) =>
        StandardError.Split('\n').TakeLast(count).Select(line => $"stderr: {line}")
            .Concat(StandardOutput.Split('\n').TakeLast(count).Select(line => $"stdout: {line}"));

    /// <summary>Runs <c>dotnet {assembly} {args}</c>, where the assembly sits beside the test assembly.</summary>
    public static ChildProcess StartDotnet(string assembly, params string[] args) => Start(DotnetStartInfo(assembly, args));

    /// <summary><c>dotnet {assembly} {args}</c> with stdout, stderr and stdin redirected; the assembly sits beside the test assembly.</summary>
    public static ProcessStartInfo DotnetStartInfo(string assembly, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }

    /// <summary>Starts <paramref name="info"/>, which must redirect stdout and stderr.</summary>
    public static ChildProcess Start(ProcessStartInfo info) =>
        new(Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName} {string.Join(' ', info.ArgumentList)}"));

    /// <summary>The next stdout line, or null when the process closed stdout; fails after <paramref name="timeout"/>.</summary>
    public string? ReadLine(TimeSpan timeout)
    {
        if (_lines.TryTake(out var line, timeout)) return line;
        if (_lines.IsCompleted) return null;
        throw new TimeoutException($"no output within {timeout}; stderr: {StandardError}");
    }

    /// <summary>Waits for the process to exit and its output to be read to the end.</summary>
    public int WaitForExit()
    {
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGTERM (what systemd and Ctrl+C-like stops send), then waits for the exit code.</summary>
    public int Terminate(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) kill.WaitForExit();
        if (!_process.WaitForExit(timeout)) throw new TimeoutException($"process {_process.Id} did not exit within {timeout} after SIGTERM");
        _process.WaitForExit(); // the rest of its output: callers read its last lines next
        return _process.ExitCode;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit (and its output to be read); its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) throw new TimeoutException($"process {_process.Id} did not exit within {timeout}; stderr: {StandardError}");
        _process.WaitForExit(); // the rest of its output
        return _process.ExitCode;
    }

    /// <summary>Sends a signal by name, e.g. "STOP" (freeze: peers see it unreachable) or "CONT".</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", _process.Id.ToString()]);
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{name} {_process.Id} failed with exit code {kill.ExitCode}");
    }

    /// <summary>SIGKILL: the process gets no chance to flush or clean up.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try { Kill(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
