namespace Rocket.Hosting;

/// <summary>Which process this is.</summary>
public enum NodeRole { Seed, Broker, Standalone }

/// <summary>
/// Command-line and environment overrides of a seed or broker process. Precedence, lowest first: Rocket's reference
/// defaults, the role's defaults, the HOCON file (<c>--config</c>), environment variables, flags.
/// </summary>
public sealed record NodeOptions
{
    public string? ConfigFile { get; init; }
    public int? Port { get; init; }
    public string? Hostname { get; init; }
    public string[]? Seeds { get; init; }
    public string? Store { get; init; }

    /// <summary>Environment variables: ROCKET_CONFIG, ROCKET_PORT, ROCKET_HOSTNAME, ROCKET_SEEDS (comma-separated), ROCKET_STORE.</summary>
    public static NodeOptions FromEnvironment(Func<string, string?>? getenv = null)
    {
        getenv ??= Environment.GetEnvironmentVariable;
        int? port = null;
        if (getenv("ROCKET_PORT") is { Length: > 0 } p)
            port = int.TryParse(p, out int v) ? v : throw new Akka.Configuration.ConfigurationException($"ROCKET_PORT = '{p}' is not a port number");
        return new NodeOptions
        {
            ConfigFile = NullIfEmpty(getenv("ROCKET_CONFIG")),
            Port = port,
            Hostname = NullIfEmpty(getenv("ROCKET_HOSTNAME")),
            Seeds = getenv("ROCKET_SEEDS") is { Length: > 0 } s ? s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null,
            Store = NullIfEmpty(getenv("ROCKET_STORE")),
        };
    }

    /// <summary>These options with every value set in <paramref name="higher"/> taking precedence.</summary>
    public NodeOptions OverriddenBy(NodeOptions higher) => new()
    {
        ConfigFile = higher.ConfigFile ?? ConfigFile,
        Port = higher.Port ?? Port,
        Hostname = higher.Hostname ?? Hostname,
        Seeds = higher.Seeds ?? Seeds,
        Store = higher.Store ?? Store,
    };

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
