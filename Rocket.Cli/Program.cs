using System.CommandLine;
using Rocket.Cli.Bench;
using Rocket.Cli.Commands;
using Rocket.Cli.Commands.Bench;
using Rocket.Cli.Commands.Shared;
using Rocket.Cli.Store;

namespace Rocket.Cli;

public static class Program
{
    /// <summary>
    /// How long a verb may take to finish after Ctrl+C / SIGTERM (stop consuming, commit offsets, print its report)
    /// before System.CommandLine gives up on it.
    /// </summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    public static Task<int> Main(string[] args)
    {
        // Results go to stdout and nothing else may: Akka's default logger and other libraries write to Console.Out,
        // so Console.Out is pointed at stderr and the real stdout is handed to the commands explicitly.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        return RunAsync(args, stdout, Console.Error);
    }

    /// <summary>Synchronous <see cref="RunAsync"/>, for callers without an async context.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => RunAsync(args, stdout, stderr).GetAwaiter().GetResult();

    /// <summary>
    /// Parses and runs; parse errors print one line each on <paramref name="stderr"/> and return <see cref="ExitCodes.Usage"/>.
    /// Asynchronous invocation is what makes Ctrl+C and SIGTERM cancel the verb (the synchronous one leaves the
    /// signals to the runtime, which ends the process without a report).
    /// </summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var parse = BuildRoot().Parse(args);
        if (parse.Errors.Count > 0 && !WantsHelp(args))
        {
            foreach (var error in parse.Errors) stderr.WriteLine($"rocket: {error.Message}");
            stderr.WriteLine($"see: {CommandPath.Of(parse)} --help");
            // --json promises one JSON object on stdout whatever the exit code, also for a command line it could not parse.
            if (args.Contains("--json"))
                new CliContext([], json: true, stdout, stderr).WriteJson(new ErrorResult(string.Join("; ", parse.Errors.Select(e => e.Message)), ExitCodes.Usage));
            return Task.FromResult(ExitCodes.Usage);
        }
        return parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = StopGrace });
    }

    private static bool WantsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("rocket: admin, client and benchmark tool for the Rocket message queue");
        root.Subcommands.Add(ClusterCommand.Create());
        root.Subcommands.Add(TopicCommand.Create());
        root.Subcommands.Add(SendCommand.Create());
        root.Subcommands.Add(ConsumeCommand.Create());
        root.Subcommands.Add(ProgressCommand.Create());
        root.Subcommands.Add(OffsetCommand.Create());
        root.Subcommands.Add(Commands.Messages.MessageCommand.Create());
        root.Subcommands.Add(Commands.Groups.GroupCommand.Create());
        root.Subcommands.Add(QuickstartCommand.Create());
        var bench = new Command("bench", "Benchmarks");
        bench.Subcommands.Add(BenchProduceCommand.Create());
        bench.Subcommands.Add(BenchConsumeCommand.Create());
        bench.Subcommands.Add(BenchEndToEndCommand.Create());
        bench.Subcommands.Add(BenchTimerCommand.Create());
        bench.Subcommands.Add(StoreBenchCommand.Create());
        root.Subcommands.Add(bench);
        var store = new Command("store", "Work with a store directory");
        store.Subcommands.Add(StoreWriteCommand.Create());
        store.Subcommands.Add(StoreVerifyCommand.Create());
        root.Subcommands.Add(store);
        return root;
    }
}
