using Akka.Configuration;
using Rocket.Hosting;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Hosting;

public class NodeConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new("nodeconfig");

    public void Dispose() => _dir.Dispose();

    private string File(string hocon)
    {
        var path = _dir.Combine($"{Guid.NewGuid():N}.hocon");
        System.IO.File.WriteAllText(path, hocon);
        return path;
    }

    [Fact]
    public void Defaults_give_a_seed_on_4053_that_seeds_itself()
    {
        var c = NodeConfig.Build(NodeRole.Seed, new NodeOptions());
        Assert.Equal(4053, c.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(["akka.tcp://rocket@127.0.0.1:4053"], c.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(["seed"], c.GetStringList("akka.cluster.roles"));
        var standalone = NodeConfig.Build(NodeRole.Standalone, new NodeOptions());
        Assert.Equal(["akka.tcp://rocket@127.0.0.1:4053"], standalone.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(["seed", "broker"], standalone.GetStringList("akka.cluster.roles"));
    }

    [Fact]
    public void Flags_override_environment_which_overrides_the_file()
    {
        var file = File("""
            akka.remote.dot-netty.tcp.port = 1111
            rocket.cluster.seeds = ["10.0.0.1:1"]
            rocket.broker.broker-name = "from-file"
            """);
        var env = NodeOptions.FromEnvironment(name => name switch
        {
            "ROCKET_PORT" => "2222",
            "ROCKET_SEEDS" => "10.0.0.2:2,10.0.0.3:3",
            "ROCKET_STORE" => _dir.Combine("env-store"),
            _ => null,
        });
        var fromFileAndEnv = NodeConfig.Build(NodeRole.Broker, new NodeOptions { ConfigFile = file }.OverriddenBy(env));
        Assert.Equal(2222, fromFileAndEnv.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(["akka.tcp://rocket@10.0.0.2:2", "akka.tcp://rocket@10.0.0.3:3"], fromFileAndEnv.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal("from-file", fromFileAndEnv.GetString("rocket.broker.broker-name"));

        var withFlags = NodeConfig.Build(NodeRole.Broker,
            new NodeOptions { ConfigFile = file }.OverriddenBy(env).OverriddenBy(new NodeOptions { Port = 3333, Store = _dir.Combine("flag-store") }));
        Assert.Equal(3333, withFlags.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(_dir.Combine("flag-store"), withFlags.GetString("rocket.store.dir"));
    }

    [Theory]
    [InlineData("rocket.store.flush-disk-type = NEVER", "rocket.store.flush-disk-type")]
    [InlineData("rocket.broker.default-topic-queue-nums = 0", "rocket.broker.default-topic-queue-nums")]
    [InlineData("rocket.cluster.seeds = [\"nohostport\"]", "rocket.cluster.seeds")]
    [InlineData("akka.remote.dot-netty.tcp.port = 70000", "akka.remote.dot-netty.tcp.port")]
    [InlineData("rocket.naming { publish-interval = 10s, broker-expiry = 5s }", "rocket.naming.broker-expiry")]
    public void A_broken_or_contradictory_setting_is_named(string hocon, string key)
    {
        var e = Assert.Throws<ConfigurationException>(() => NodeConfig.Build(NodeRole.Broker, new NodeOptions { ConfigFile = File(hocon) }));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void A_seed_must_have_a_fixed_port() =>
        Assert.Contains("seed", Assert.Throws<ConfigurationException>(() => NodeConfig.Build(NodeRole.Seed, new NodeOptions { Port = 0 })).Message);

    [Fact]
    public void A_file_that_is_not_hocon_is_named()
    {
        var path = File("rocket { store { dir = \"x\" }\nakka.cluster.roles = [a, b");
        var e = Assert.Throws<ConfigurationException>(() => NodeConfig.Build(NodeRole.Broker, new NodeOptions { ConfigFile = path }));
        Assert.Contains(path, e.Message);
        Assert.Contains("not valid HOCON", e.Message);
    }

    [Fact]
    public void A_missing_file_is_named() =>
        Assert.Contains("does not exist", Assert.Throws<ConfigurationException>(
            () => NodeConfig.Build(NodeRole.Seed, new NodeOptions { ConfigFile = _dir.Combine("nope.hocon") })).Message);

    [Fact]
    public void The_shipped_hocon_files_are_valid()
    {
        var root = FindRepoRoot();
        NodeConfig.Build(NodeRole.Seed, new NodeOptions { ConfigFile = Path.Combine(root, "hocon", "seed.hocon") });
        foreach (var broker in new[] { "broker-a", "broker-b" })
        {
            var c = NodeConfig.Build(NodeRole.Broker, new NodeOptions { ConfigFile = Path.Combine(root, "hocon", $"{broker}.hocon") });
            Assert.Equal(broker, c.GetString("rocket.broker.broker-name"));
        }
        Rocket.Client.ClientSettings.FromConfig(NodeConfig.LoadFile(Path.Combine(root, "hocon", "client.hocon")));
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "cluster.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cluster.sln not found above the test folder");
    }
}
