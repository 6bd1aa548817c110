using System.CommandLine;

namespace Rocket.Hosting;

/// <summary>The flags shared by the seed and node processes (<c>--config --port --seeds --store --hostname</c>).</summary>
public static class NodeCommandLine
{
    public static RootCommand Create(string description, Func<NodeOptions, bool, Task<int>> run, bool allowStandalone)
    {
        var config = new Option<string?>("--config") { Description = "HOCON file (see hocon/); ROCKET_CONFIG" };
        var port = new Option<int?>("--port") { Description = "Port of this node (akka.remote.dot-netty.tcp.port); ROCKET_PORT" };
        var hostname = new Option<string?>("--hostname") { Description = "Address other processes reach this node at; ROCKET_HOSTNAME" };
        var seeds = new Option<string[]?>("--seeds")
        {
            Description = "Seed nodes as host:port (comma- or space-separated); ROCKET_SEEDS",
            AllowMultipleArgumentsPerToken = true,
        };
        var store = new Option<string?>("--store") { Description = "Store directory (rocket.store.dir); ROCKET_STORE" };
        var standalone = new Option<bool>("--standalone") { Description = "Seed and broker in this one process, data in ./data" };
        var root = new RootCommand(description) { config, port, hostname, seeds, store };
        if (allowStandalone) root.Options.Add(standalone);
        root.SetAction((parse, _) => run(new NodeOptions
        {
            ConfigFile = parse.GetValue(config),
            Port = parse.GetValue(port),
            Hostname = parse.GetValue(hostname),
            Seeds = parse.GetValue(seeds) is { Length: > 0 } given // an absent option parses as an empty array
                ? given.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray()
                : null,
            Store = parse.GetValue(store),
        }, allowStandalone && parse.GetValue(standalone)));
        return root;
    }
}
