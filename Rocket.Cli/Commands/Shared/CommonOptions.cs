using System.CommandLine;
using Rocket.Client;
using Rocket.Protocol;

namespace Rocket.Cli.Commands.Shared;

/// <summary><c>--seeds</c> and <c>--json</c>, created per command (an option instance belongs to one command).</summary>
public sealed class CommonOptions
{
    public const string DefaultSeed = "127.0.0.1:4053";

    public Option<string[]> Seeds { get; } = new("--seeds")
    {
        Description = $"Seed nodes as host:port, comma- or space-separated (default: $ROCKET_SEEDS or {DefaultSeed})",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => [Environment.GetEnvironmentVariable("ROCKET_SEEDS") is { Length: > 0 } env ? env : DefaultSeed],
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print exactly one JSON object (snake_case keys) on stdout" };

    public CommonOptions()
    {
        Seeds.Validators.Add(result =>
        {
            foreach (var seed in SplitSeeds(result.GetValueOrDefault<string[]>()))
            {
                try { SeedAddress.Parse(seed); }
                catch (Akka.Configuration.ConfigurationException e) { result.AddError($"--seeds: {e.Message}"); }
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Seeds);
        command.Options.Add(Json);
    }

    public static string[] SplitSeeds(string[]? given) =>
        (given ?? []).SelectMany(s => s.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}
