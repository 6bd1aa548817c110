using Rocket.Hosting;

NodeProcessEnvironment.Apply(); // before the first socket: the runtime reads these once

// A broker node (one broker per process), or with --standalone a seed and a broker in one process.
return await NodeCommandLine.Create("Rocket broker node",
        (options, standalone) => RocketNodeHost.RunAsync(standalone ? NodeRole.Standalone : NodeRole.Broker, options), allowStandalone: true)
    .Parse(args).InvokeAsync();
