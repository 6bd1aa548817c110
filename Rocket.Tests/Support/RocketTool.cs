using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Rocket.Tests.Support;

/// <summary>One finished run of the <c>rocket</c> tool: exit code, everything it wrote on stdout and on stderr.</summary>
public sealed record ToolRun(string[] Args, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>
    /// The one JSON object a <c>--json</c> run prints: stdout must be exactly that object (JsonDocument refuses
    /// anything before or after it), so a stray log line on stdout fails the test.
    /// </summary>
    public JsonElement Json()
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(Stdout); }
        catch (JsonException e) { throw new Xunit.Sdk.XunitException($"stdout of `rocket {string.Join(' ', Args)}` is not one JSON object ({e.Message}):\n{Stdout}\nstderr:\n{Stderr}"); }
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        return document.RootElement;
    }

    /// <summary>
    /// The error of a failed <c>--json</c> run: stdout is exactly <c>{"error": …, "exit_code": …}</c> with the process's
    /// exit code, and the error is also on stderr.
    /// </summary>
    public string JsonError()
    {
        var json = Json();
        Assert.Equal(["error", "exit_code"], json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(ExitCode, json.GetProperty("exit_code").GetInt32());
        var error = json.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(error), "the JSON error is empty");
        return error!;
    }

    /// <summary>Asserts the exit code, showing both streams when it differs.</summary>
    public ToolRun Exits(int expected)
    {
        if (ExitCode != expected)
            throw new Xunit.Sdk.XunitException($"`rocket {string.Join(' ', Args)}` exited {ExitCode}, expected {expected}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        return this;
    }
}

/// <summary>
/// Runs <c>dotnet rocket.dll ...</c> (built beside the tests) as a child process, as a user or a script would, and
/// waits for it to end. A run that outlives its timeout is killed and fails the test.
/// </summary>
public static class RocketTool
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    public static Task<ToolRun> RunAsync(params string[] args) => RunAsync(args, DefaultTimeout);

    public static async Task<ToolRun> RunAsync(string[] args, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var process = Process.Start(StartInfo(args, environment)) ?? throw new InvalidOperationException("could not start rocket.dll");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"`rocket {string.Join(' ', args)}` did not end within {timeout}; stderr:\n{await stderr}");
        }
        return new ToolRun(args, process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>rocket {args}</c> without waiting: for runs a test stops itself.</summary>
    public static ChildProcess Start(params string[] args) => ChildProcess.Start(StartInfo(args));

    /// <summary>Starts <c>rocket {args}</c> with extra environment variables, without waiting.</summary>
    public static ChildProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        ChildProcess.Start(StartInfo(args, environment));

    /// <summary>
    /// <c>dotnet rocket.dll {args}</c> from the test output folder. rocket.dll turns tiered compilation off for steady
    /// benchmark figures; a test runs many short invocations whose results do not depend on the JIT mode, so it is
    /// switched back on here (halves each run's start-up on 2 cores).
    /// </summary>
    private static ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = ChildProcess.DotnetStartInfo("rocket.dll", args);
        info.Environment["DOTNET_TieredCompilation"] = "1";
        info.Environment.Remove("ROCKET_SEEDS"); // a developer's own cluster must not leak into a test
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }
        return info;
    }
}
