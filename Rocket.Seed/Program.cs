using Rocket.Hosting;

// A seed node: first contact point of the cluster; holds no data; answers route look-ups from its gossip replica.
return await NodeCommandLine.Create("Rocket seed node", (options, _) => RocketNodeHost.RunAsync(NodeRole.Seed, options), allowStandalone: false)
    .Parse(args).InvokeAsync();
