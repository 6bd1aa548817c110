using Akka.Configuration;
using Rocket.Broker;
using Rocket.Broker.Schedule;
using Xunit;

namespace Rocket.Tests.Broker.Schedule;

public sealed class DelayLevelTableTests
{
    [Fact]
    public void The_default_table_is_RocketMQs_18_levels()
    {
        var table = BrokerSettings.FromConfig(ConfigurationFactory.Empty).MessageDelayLevel;
        Assert.Equal(18, table.Count);
        Assert.Equal(1000, table.DelayMs(1));
        Assert.Equal(10_000, table.DelayMs(3));
        Assert.Equal(60_000, table.DelayMs(5));
        Assert.Equal(20 * 60_000, table.DelayMs(15));
        Assert.Equal(2 * 3_600_000, table.DelayMs(18));
        Assert.Equal("1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h", table.ToString());
    }

    [Theory]
    [InlineData("250ms", new long[] { 250 })]
    [InlineData(" 1s\t2m  3h 1d ", new long[] { 1000, 120_000, 10_800_000, 86_400_000 })]
    [InlineData("1500ms 1s", new long[] { 1500, 1000 })]
    public void Every_unit_parses(string text, long[] expected) =>
        Assert.Equal(expected, DelayLevelTable.Parse(text).DelaysMs);

    [Theory]
    [InlineData("1s 5x 10s", "5x", "level 2")]
    [InlineData("0s", "0s", "level 1")]
    [InlineData("1s -1s", "-1s", "level 2")]
    [InlineData("s", "s", "level 1")]
    [InlineData("10", "10", "level 1")]
    [InlineData("1.5s", "1.5s", "level 1")]
    [InlineData("1S", "1S", "level 1")]
    [InlineData("99999999999d", "99999999999d", "level 1")]
    public void A_bad_token_is_named(string text, string token, string level)
    {
        var error = Assert.Throws<FormatException>(() => DelayLevelTable.Parse(text));
        Assert.Contains($"bad token '{token}' ({level})", error.Message);
    }

    [Fact]
    public void An_empty_table_is_refused() =>
        Assert.Contains("empty", Assert.Throws<FormatException>(() => DelayLevelTable.Parse("  ")).Message);

    [Fact]
    public void A_malformed_setting_names_the_key_and_the_token_in_one_line()
    {
        var config = ConfigurationFactory.ParseString("rocket.broker.message-delay-level = \"1s 5s oops\"");
        var error = Assert.Throws<ConfigurationException>(() => BrokerSettings.FromConfig(config));
        Assert.StartsWith("rocket.broker.message-delay-level = \"1s 5s oops\": bad token 'oops' (level 3)", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_short_table_from_HOCON_is_used()
    {
        var config = ConfigurationFactory.ParseString("rocket.broker.message-delay-level = \"1s 2s\"");
        Assert.Equal([1000L, 2000L], BrokerSettings.FromConfig(config).MessageDelayLevel.DelaysMs);
    }
}
