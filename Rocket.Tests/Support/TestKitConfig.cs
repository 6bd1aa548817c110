using Akka.Configuration;

namespace Rocket.Tests.Support;

/// <summary>
/// Rocket's reference configuration for TestKit tests, with a 10 s default wait for an expected message instead of
/// TestKit's 3 s: the unit tests share 2 cores with a lane of multi-process tests, and a broker that starts a dozen
/// children could miss 3 s. Only waits for messages that should come get longer; explicit no-message windows do not.
/// </summary>
public static class TestKitConfig
{
    public static readonly Config Reference =
        ConfigurationFactory.ParseString("akka.test.single-expect-default = 10s").WithFallback(Rocket.Settings.RocketConfig.Reference);
}
