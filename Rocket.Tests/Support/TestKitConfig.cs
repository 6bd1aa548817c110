using Akka.Configuration;

namespace Rocket.Tests.Support;

/// <summary>
/// Rocket's reference configuration for TestKit tests, with a 30 s default wait for an expected message instead of
/// TestKit's 3 s: the unit tests share 2 cores with two lanes of multi-process tests, and in CI a freshly started broker
/// answered its first produce after more than 10 s while the lanes were starting their processes. Only waits for
/// messages that should come get longer (they end as soon as the message arrives); no-message windows do not.
/// </summary>
public static class TestKitConfig
{
    public static readonly Config Reference =
        ConfigurationFactory.ParseString("akka.test.single-expect-default = 30s").WithFallback(Rocket.Settings.RocketConfig.Reference);
}
