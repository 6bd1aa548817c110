using System.CommandLine;
using System.Text.Json;
using Rocket.Client;

namespace Rocket.Cli.Commands.Shared;

/// <summary>
/// What every cluster verb gets: the seeds, whether to print JSON, and where results (stdout) and progress or
/// diagnostics (stderr) go. Keeping results on one writer is what makes <c>--json</c> output parseable.
/// </summary>
public sealed class CliContext(string[] seeds, bool json, TextWriter output, TextWriter error)
{
    public string[] Seeds { get; } = seeds;
    public bool Json { get; } = json;
    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;

    /// <summary>Client send timeout; long enough for a busy 2-core box, short enough to report dead seeds quickly.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public RocketClient CreateClient(Func<ClientSettings, ClientSettings>? tune = null)
    {
        var settings = ConfiguredClientSettings() with { Seeds = Seeds, SendTimeout = SendTimeout };
        // Warnings such as "Unable to REMOVE channel" on a normal shutdown would only be noise on stderr.
        return RocketClient.Create(tune is null ? settings : tune(settings), Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = ERROR"));
    }

    /// <summary>
    /// <c>rocket.client.*</c> from the HOCON file named by <c>$ROCKET_CONFIG</c> (as the nodes read it), else the defaults;
    /// --seeds and the CLI's send timeout win over the file.
    /// </summary>
    private static ClientSettings ConfiguredClientSettings() =>
        Environment.GetEnvironmentVariable("ROCKET_CONFIG") is { Length: > 0 } path
            ? ClientSettings.FromConfig(Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(path)))
            : new ClientSettings();

    /// <summary>Whether the verb wrote its one JSON object.</summary>
    public bool ResultWritten { get; private set; }

    /// <summary>The last error line the verb reported (<see cref="Error"/>), for the JSON error object.</summary>
    public string? LastError { get; private set; }

    /// <summary>Reports why the verb fails: one line on stderr, kept for the JSON error object of <see cref="Finish"/>.</summary>
    public void Error(string line)
    {
        Err.WriteLine(line);
        LastError = line;
    }

    /// <summary>
    /// Ends a verb with <paramref name="exitCode"/>. With <c>--json</c> every exit prints exactly one JSON object: a verb that
    /// failed before writing its result gets <c>{"error": …, "exit_code": …}</c>.
    /// </summary>
    public int Finish(int exitCode)
    {
        if (Json && !ResultWritten && exitCode != ExitCodes.Ok)
            WriteJson(new ErrorResult(LastError ?? $"failed with exit code {exitCode}", exitCode));
        return exitCode;
    }

    /// <summary>Progress and informational lines; always stderr so that stdout stays the result.</summary>
    public void Info(string line) => Err.WriteLine(line);

    /// <summary>Human text only when JSON was not asked for.</summary>
    public void Human(string line)
    {
        if (!Json) Out.WriteLine(line);
    }

    /// <summary>Writes the one JSON object of a <c>--json</c> run.</summary>
    public void WriteJson<T>(T result, JsonSerializerOptions? options = null)
    {
        if (ResultWritten) throw new InvalidOperationException("a --json run prints exactly one JSON object; this verb tried to print a second");
        Out.WriteLine(JsonSerializer.Serialize(result, options ?? CliJson.Options));
        ResultWritten = true;
    }

    public static CliContext From(ParseResult parse, CommonOptions common) => new(
        CommonOptions.SplitSeeds(parse.GetValue(common.Seeds)),
        parse.GetValue(common.Json),
        parse.InvocationConfiguration.Output,
        parse.InvocationConfiguration.Error);
}

/// <summary>The JSON object of a failed <c>--json</c> run.</summary>
public sealed record ErrorResult(string Error, int ExitCode);

public static class CliJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        // NaN never reaches the output, but a rate over zero seconds must not crash the report.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
