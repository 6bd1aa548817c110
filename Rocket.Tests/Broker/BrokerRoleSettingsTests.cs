using Akka.Configuration;
using Rocket.Broker;
using Rocket.Protocol;
using Xunit;

namespace Rocket.Tests.Broker;

/// <summary>rocket.broker.broker-role: RocketMQ's names, and a role that contradicts the broker id is refused by name.</summary>
public sealed class BrokerRoleSettingsTests
{
    private static BrokerSettings Read(string hocon) => BrokerSettings.FromConfig(ConfigurationFactory.ParseString(hocon));

    [Theory]
    [InlineData("broker-id = 0, broker-role = ASYNC_MASTER", BrokerRole.AsyncMaster)]
    [InlineData("broker-id = 0, broker-role = sync_master", BrokerRole.SyncMaster)]
    [InlineData("broker-id = 2, broker-role = SLAVE", BrokerRole.Slave)]
    public void RocketMQ_role_names_are_read(string settings, BrokerRole role) =>
        Assert.Equal(role, Read($"rocket.broker {{ {settings} }}").BrokerRole);

    [Fact]
    public void The_default_is_an_async_master() => Assert.Equal(BrokerRole.AsyncMaster, Read("").BrokerRole);

    [Theory]
    [InlineData("broker-id = 0, broker-role = SLAVE", "needs broker-id > 0")]
    [InlineData("broker-id = 1, broker-role = SYNC_MASTER", "a broker with an id above 0 is a SLAVE")]
    [InlineData("broker-id = 1", "a broker with an id above 0 is a SLAVE")]
    [InlineData("broker-role = MASTER", "\"MASTER\" is not one of ASYNC_MASTER, SYNC_MASTER, SLAVE")]
    public void A_role_that_contradicts_the_id_or_is_unknown_is_refused_by_name(string settings, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read($"rocket.broker {{ {settings} }}"));
        Assert.Contains("rocket.broker.broker-role", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
