using Rocket.Settings;

namespace Rocket.Naming;

/// <summary>Settings of the gossip name server, read from <c>rocket.naming</c>.</summary>
public sealed record NamingSettings
{
    public TimeSpan PublishInterval { get; init; } = TimeSpan.FromSeconds(3);
    public TimeSpan BrokerExpiry { get; init; } = TimeSpan.FromSeconds(30);

    public static NamingSettings FromConfig(Akka.Configuration.Config config)
    {
        var r = new SettingsReader(RocketConfig.WithReference(config).GetConfig("rocket.naming"), "rocket.naming.");
        var s = new NamingSettings { PublishInterval = r.Duration("publish-interval"), BrokerExpiry = r.Duration("broker-expiry") };
        if (s.BrokerExpiry <= s.PublishInterval)
            throw new Akka.Configuration.ConfigurationException(
                $"rocket.naming.broker-expiry ({s.BrokerExpiry}) must be longer than rocket.naming.publish-interval ({s.PublishInterval})");
        return s;
    }
}
