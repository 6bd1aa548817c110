using Akka.Configuration;

namespace Rocket.Settings;

/// <summary>The embedded reference configuration (every Rocket default, documented).</summary>
public static class RocketConfig
{
    /// <summary><c>reference.conf</c>: every <c>rocket.*</c> default and the Akka settings every Rocket process needs.</summary>
    public static Akka.Configuration.Config Reference { get; } = Load("Rocket.reference.conf");

    /// <summary><paramref name="config"/> with Rocket's reference defaults behind it.</summary>
    public static Akka.Configuration.Config WithReference(Akka.Configuration.Config config) => config.WithFallback(Reference);

    /// <summary>Every <c>rocket.*</c> leaf path set in <paramref name="config"/> or its fallbacks.</summary>
    public static IEnumerable<string> RocketKeys(Akka.Configuration.Config config) => ConfigPaths.Leaves(config, "rocket");

    /// <summary>Parses one embedded <c>.conf</c> resource of this assembly.</summary>
    internal static Akka.Configuration.Config Load(string resourceName)
    {
        using var stream = typeof(RocketConfig).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"{resourceName} is not embedded in Rocket.Actors");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
