using Akka.Configuration;
using Rocket.Client;

namespace Rocket.Hosting;

/// <summary>Builds and checks the full configuration of a seed, broker or standalone process.</summary>
public static class NodeConfig
{
    private static string RoleDefaults(NodeRole role) => role switch
    {
        NodeRole.Seed => """
            akka.remote.dot-netty.tcp.port = 4053
            akka.cluster.roles = [seed]
            """,
        NodeRole.Broker => """
            akka.remote.dot-netty.tcp.port = 10911
            akka.cluster.roles = [broker]
            """,
        _ => """
            akka.remote.dot-netty.tcp.port = 4053
            akka.cluster.roles = [seed, broker]
            rocket.store.dir = "./data"
            """,
    };

    /// <summary>Settings every Rocket cluster process shares (below the role defaults and the user's file).</summary>
    private const string Common = """
        akka {
          loglevel = INFO
          stdout-loglevel = WARNING
          actor.provider = cluster
          remote.dot-netty.tcp.hostname = "127.0.0.1"
          cluster {
            # Split-brain resolver, decides after 10 s of stable membership. keep-oldest (issue 7): keep-majority
            # breaks a tie of equal halves by lowest address, so in a seed + one broker cluster a seed on a higher
            # port downed itself when its broker died. keep-oldest keeps the oldest member's side, and with
            # down-if-alone a dead oldest member (a crashed first seed) is downed instead of everyone else.
            downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
            split-brain-resolver {
              active-strategy = keep-oldest
              keep-oldest.down-if-alone = on
              stable-after = 10s
            }
            # A restarted process (same host:port, new incarnation) is refused until the seeds have removed its old
            # incarnation, which they down at once on its first Join; retry soon instead of Akka's 10 s (issue 7).
            retry-unsuccessful-join-after = 2s
            # A stopped process is noticed within about 5 s (it drops out of routes then).
            failure-detector {
              heartbeat-interval = 1s
              acceptable-heartbeat-pause = 4s
            }
          }
          # Clients are not cluster members: remote death watch notices a killed client (rebalance) or broker.
          remote.watch-failure-detector {
            heartbeat-interval = 1s
            acceptable-heartbeat-pause = 4s
          }
          coordinated-shutdown.exit-clr = off
        }
        """;

    /// <summary>
    /// Reference defaults, then role defaults, then the HOCON file, then <paramref name="overrides"/>. Throws
    /// <see cref="ConfigurationException"/> naming the file or key for a broken or contradictory configuration.
    /// </summary>
    public static Akka.Configuration.Config Build(NodeRole role, NodeOptions overrides)
    {
        var config = ConfigurationFactory.ParseString(Common);
        config = ConfigurationFactory.ParseString(RoleDefaults(role)).WithFallback(config);
        if (overrides.ConfigFile is { } file) config = LoadFile(file).WithFallback(config);
        config = Overrides(overrides).WithFallback(config);
        config = SeedNodes(role, config).WithFallback(config);
        config = config.WithFallback(Settings.RocketConfig.Reference);
        Validate(role, config);
        return config;
    }

    public static Akka.Configuration.Config LoadFile(string path)
    {
        if (!File.Exists(path)) throw new ConfigurationException($"configuration file {path} does not exist");
        string text = File.ReadAllText(path);
        try { Settings.HoconLint.Check(text, path); }
        catch (ConfigurationException e) { throw new ConfigurationException($"configuration file {path} is not valid HOCON: {e.Message}"); }
        try { return ConfigurationFactory.ParseString(text); }
        catch (Exception e) when (e is not ConfigurationException) { throw new ConfigurationException($"configuration file {path} is not valid HOCON: {e.Message}"); }
        catch (ConfigurationException e) { throw new ConfigurationException($"configuration file {path} is not valid HOCON: {e.Message}"); }
    }

    private static Akka.Configuration.Config Overrides(NodeOptions o)
    {
        var lines = new List<string>();
        if (o.Port is { } port) lines.Add($"akka.remote.dot-netty.tcp.port = {port}");
        if (o.Hostname is { } host) lines.Add($"akka.remote.dot-netty.tcp.hostname = {Quote(host)}");
        if (o.Seeds is { } seeds) lines.Add($"rocket.cluster.seeds = [{string.Join(", ", seeds.Select(Quote))}]");
        if (o.Store is { } store) lines.Add($"rocket.store.dir = {Quote(Path.GetFullPath(store))}");
        return ConfigurationFactory.ParseString(string.Join("\n", lines));
    }

    /// <summary>
    /// akka.cluster.seed-nodes from rocket.cluster.seeds, unless the file set seed-nodes itself. A seed or standalone
    /// node given no seeds (no file key, ROCKET_SEEDS or --seeds) seeds itself: its own host:port forms the cluster,
    /// instead of the reference default 127.0.0.1:4053, which would join whatever cluster listens there.
    /// </summary>
    private static Akka.Configuration.Config SeedNodes(NodeRole role, Akka.Configuration.Config config)
    {
        var explicitSeeds = config.GetStringList("akka.cluster.seed-nodes");
        if (explicitSeeds is { Count: > 0 }) return Akka.Configuration.Config.Empty;
        IList<string> seeds = role != NodeRole.Broker && !config.HasPath("rocket.cluster.seeds")
            ? [SelfSeed(config)]
            : config.WithFallback(Settings.RocketConfig.Reference).GetStringList("rocket.cluster.seeds");
        var nodes = seeds.Select(s =>
        {
            try { var a = SeedAddress.Parse(s); return Quote($"akka.tcp://{SeedAddress.SystemName}@{a.Host}:{a.Port}"); }
            catch (ConfigurationException e) { throw new ConfigurationException($"rocket.cluster.seeds: {e.Message}"); }
        });
        return ConfigurationFactory.ParseString($"akka.cluster.seed-nodes = [{string.Join(", ", nodes)}]");
    }

    private static string SelfSeed(Akka.Configuration.Config config)
    {
        string host = config.GetString("akka.remote.dot-netty.tcp.hostname");
        string port = config.GetString("akka.remote.dot-netty.tcp.port");
        return $"{host}:{port}";
    }

    private static void Validate(NodeRole role, Akka.Configuration.Config config)
    {
        int port;
        try { port = config.GetInt("akka.remote.dot-netty.tcp.port"); }
        catch (Exception e) { throw new ConfigurationException($"akka.remote.dot-netty.tcp.port must be a number: {e.Message}"); }
        if (port is < 0 or > 65535) throw new ConfigurationException($"akka.remote.dot-netty.tcp.port = {port} is not a port (0-65535)");
        if (role != NodeRole.Broker && port == 0)
            throw new ConfigurationException("akka.remote.dot-netty.tcp.port = 0 is not allowed for a seed: other processes must know its port");
        if (config.GetStringList("akka.cluster.seed-nodes") is not { Count: > 0 })
            throw new ConfigurationException("rocket.cluster.seeds (or akka.cluster.seed-nodes) must list at least one seed");
        if (config.GetString("akka.actor.provider") is { } provider && !provider.Contains("cluster", StringComparison.OrdinalIgnoreCase))
            throw new ConfigurationException($"akka.actor.provider = {provider}: Rocket seed and broker processes must use the cluster provider");
        if (role != NodeRole.Seed)
        {
            // Each settings reader names the bad key itself.
            Store.StoreSettings.FromConfig(config);
            Broker.BrokerSettings.FromConfig(config);
            Naming.NamingSettings.FromConfig(config);
        }
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
