using Akka.Configuration;

namespace Rocket.Settings;

/// <summary>The embedded reference configuration (every Rocket default, documented).</summary>
public static class RocketConfig
{
    public static Akka.Configuration.Config Reference => Store.StoreSettings.Reference;

    /// <summary><paramref name="config"/> with Rocket's reference defaults behind it.</summary>
    public static Akka.Configuration.Config WithReference(Akka.Configuration.Config config) => config.WithFallback(Reference);
}
