using Rocket.Client;

namespace Rocket.Tests.Support;

/// <summary>
/// Client settings for tests against real processes, which run two at a time beside the unit tests on a CI machine of
/// two cores: a send timeout of 10 s rather than 3, and a consumer start timeout a few of those (30 s), as the
/// default's 10 s is a few of 3 s. With the start timeout left at 10 s, one slow answer could use up all of it.
/// </summary>
internal static class ProcessClientSettings
{
    public static ClientSettings For(params string[] seeds) => new()
    {
        Seeds = seeds,
        SendTimeout = TimeSpan.FromSeconds(10),
        ConsumerStartTimeout = TimeSpan.FromSeconds(30),
    };
}
