using Akka.Configuration;
using Rocket.Client;
using Rocket.Hosting;
using Rocket.Settings;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Settings;

/// <summary>Unknown rocket.* keys stop the process (or the client) at start, naming the closest valid key (issue 8, point 5).</summary>
public class KnownSettingsTests : IDisposable
{
    private readonly TempDirectory _dir = new("knownsettings");

    public void Dispose() => _dir.Dispose();

    private string File(string hocon)
    {
        var path = _dir.Combine($"{Guid.NewGuid():N}.hocon");
        System.IO.File.WriteAllText(path, hocon);
        return path;
    }

    [Fact]
    public void The_valid_keys_are_the_leaves_of_the_embedded_conf_files()
    {
        // Every rocket.* leaf of reference.conf, computed independently with Akka's own lookups.
        foreach (var key in new[] { "rocket.store.flush-disk-type", "rocket.store.dir", "rocket.cluster.seeds", "rocket.broker.broker-name",
                     "rocket.naming.publish-interval", "rocket.client.send-timeout", "rocket.store.journal-thread.thread-name" })
        {
            Assert.Contains(key, KnownSettings.Keys);
            Assert.True(RocketConfig.Reference.HasPath(key), key);
        }
        Assert.DoesNotContain("rocket.store", KnownSettings.Keys); // sections are not settings
        Assert.DoesNotContain(KnownSettings.Keys, k => !k.StartsWith("rocket.", StringComparison.Ordinal));
        Assert.All(KnownSettings.Keys, k => Assert.True(RocketConfig.Reference.HasPath(k), $"{k} is in no reference default"));
    }

    [Theory]
    [InlineData("rocket.store.flush-disk-typ = SYNC_FLUSH", "unknown setting rocket.store.flush-disk-typ (did you mean rocket.store.flush-disk-type?)")]
    [InlineData("rocket.stor.flush-disk-type = SYNC_FLUSH", "unknown setting rocket.stor.flush-disk-type (did you mean rocket.store.flush-disk-type?)")]
    [InlineData("rocket.broker.brokr-name = b", "unknown setting rocket.broker.brokr-name (did you mean rocket.broker.broker-name?)")]
    [InlineData("rocket { client { send-timout = 5s } }", "unknown setting rocket.client.send-timout (did you mean rocket.client.send-timeout?)")]
    [InlineData("rocket.stor {}", "unknown setting rocket.stor (did you mean rocket.store.dir?)")]
    public void A_misspelled_key_in_the_file_stops_the_node_naming_the_closest_valid_key(string hocon, string message)
    {
        var file = File(hocon);
        foreach (var role in new[] { NodeRole.Seed, NodeRole.Broker, NodeRole.Standalone })
        {
            var e = Assert.Throws<ConfigurationException>(() => NodeConfig.Build(role, new NodeOptions { ConfigFile = file }));
            Assert.Contains(message, e.Message);
            Assert.Contains(file, e.Message);
        }
    }

    [Fact]
    public void Every_unknown_key_is_named_at_once()
    {
        var e = Assert.Throws<ConfigurationException>(() => NodeConfig.Build(NodeRole.Broker,
            new NodeOptions { ConfigFile = File("rocket.store.flush-disk-typ = SYNC_FLUSH\nrocket.broker.brokr-name = b\n") }));
        Assert.Contains("rocket.store.flush-disk-typ", e.Message);
        Assert.Contains("rocket.broker.brokr-name", e.Message);
    }

    [Fact]
    public void Valid_keys_akka_keys_and_dispatcher_settings_pass()
    {
        var c = NodeConfig.Build(NodeRole.Broker, new NodeOptions
        {
            ConfigFile = File("""
                rocket.store.flush-disk-type = SYNC_FLUSH
                rocket.store.journal-thread.throughput-deadline-time = 1ms
                akka.loglevel = DEBUG
                """),
        });
        Assert.Equal("SYNC_FLUSH", c.GetString("rocket.store.flush-disk-type"));
    }

    [Fact]
    public void Client_settings_from_hocon_refuse_unknown_keys()
    {
        var e = Assert.Throws<ConfigurationException>(() => ClientSettings.FromConfig(ConfigurationFactory.ParseString("rocket.client.retry-times-when-send-faild = 3")));
        Assert.Contains("unknown setting rocket.client.retry-times-when-send-faild (did you mean rocket.client.retry-times-when-send-failed?)", e.Message);
        Assert.Equal(3, ClientSettings.FromConfig(ConfigurationFactory.ParseString("rocket.client.retry-times-when-send-failed = 3")).RetryTimesWhenSendFailed);
    }

    [Fact]
    public void The_client_actor_system_config_refuses_rocket_keys_it_would_ignore()
    {
        var e = Assert.Throws<ConfigurationException>(() => RocketClient.Create(new ClientSettings(),
            ConfigurationFactory.ParseString("rocket.client.send-timeout = 10s")));
        Assert.Contains("rocket.client.send-timeout", e.Message);
        Assert.Contains("ClientSettings", e.Message);
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "abc", 0)]
    [InlineData("flush-disk-typ", "flush-disk-type", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    public void Edit_distance_counts_insertions_deletions_and_substitutions(string a, string b, int distance)
    {
        Assert.Equal(distance, EditDistance.Between(a, b));
        Assert.Equal(distance, EditDistance.Between(b, a));
    }
}
