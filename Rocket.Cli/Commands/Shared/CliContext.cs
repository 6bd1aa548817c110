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
        var settings = new ClientSettings { Seeds = Seeds, SendTimeout = SendTimeout };
        // Warnings such as "Unable to REMOVE channel" on a normal shutdown would only be noise on stderr.
        return RocketClient.Create(tune is null ? settings : tune(settings), Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = ERROR"));
    }

    /// <summary>Progress and informational lines; always stderr so that stdout stays the result.</summary>
    public void Info(string line) => Err.WriteLine(line);

    /// <summary>Human text only when JSON was not asked for.</summary>
    public void Human(string line)
    {
        if (!Json) Out.WriteLine(line);
    }

    /// <summary>Writes the one JSON object of a <c>--json</c> run.</summary>
    public void WriteJson<T>(T result) => Out.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));

    public static CliContext From(ParseResult parse, CommonOptions common) => new(
        CommonOptions.SplitSeeds(parse.GetValue(common.Seeds)),
        parse.GetValue(common.Json),
        parse.InvocationConfiguration.Output,
        parse.InvocationConfiguration.Error);
}

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
