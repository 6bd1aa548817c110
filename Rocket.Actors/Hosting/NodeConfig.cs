using Akka.Configuration;
using Rocket.Protocol;

namespace Rocket.Hosting;

/// <summary>Builds and checks the full configuration of a seed, broker or standalone process.</summary>
public static class NodeConfig
{
    /// <summary>Defaults of one role (Hosting/seed.conf, broker.conf, standalone.conf): port, cluster roles.</summary>
    private static Akka.Configuration.Config RoleDefaults(NodeRole role) => role switch
    {
        NodeRole.Seed => SeedDefaults,
        NodeRole.Broker => BrokerDefaults,
        _ => StandaloneDefaults,
    };

    private static readonly Akka.Configuration.Config SeedDefaults = Settings.RocketConfig.Load("Rocket.Hosting.seed.conf");
    private static readonly Akka.Configuration.Config BrokerDefaults = Settings.RocketConfig.Load("Rocket.Hosting.broker.conf");
    private static readonly Akka.Configuration.Config StandaloneDefaults = Settings.RocketConfig.Load("Rocket.Hosting.standalone.conf");

    /// <summary>Settings every Rocket cluster process shares (Hosting/node.conf), below the role defaults and the user's file.</summary>
    private static readonly Akka.Configuration.Config Common = Settings.RocketConfig.Load("Rocket.Hosting.node.conf");

    /// <summary>
    /// Reference defaults, then role defaults, then the HOCON file, then <paramref name="overrides"/>. Throws
    /// <see cref="ConfigurationException"/> naming the file or key for a broken or contradictory configuration, or a
    /// <c>rocket.*</c> key Rocket does not read (see <see cref="Settings.KnownSettings"/>).
    /// </summary>
    public static Akka.Configuration.Config Build(NodeRole role, NodeOptions overrides)
    {
        var config = Common;
        config = RoleDefaults(role).WithFallback(config);
        if (overrides.ConfigFile is { } file)
        {
            var fileConfig = LoadFile(file);
            Settings.KnownSettings.Check(fileConfig, $"configuration file {file}");
            config = fileConfig.WithFallback(config);
        }
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
            try { var a = SeedAddress.Parse(s); return Quote(a.NodeAddress); }
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
        if (role != NodeRole.Broker) Failover.FailoverSettings.FromConfig(config);
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
