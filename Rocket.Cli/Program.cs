using System.CommandLine;
using System.CommandLine.Parsing;
using Rocket.Cli.Bench;
using Rocket.Cli.Commands;
using Rocket.Cli.Commands.Shared;
using Rocket.Cli.Store;

namespace Rocket.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Results go to stdout and nothing else may: Akka's default logger and other libraries write to Console.Out,
        // so Console.Out is pointed at stderr and the real stdout is handed to the commands explicitly.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        return Run(args, stdout, Console.Error);
    }

    /// <summary>Parses and runs; parse errors print one line each on <paramref name="stderr"/> and return <see cref="ExitCodes.Usage"/>.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var parse = BuildRoot().Parse(args);
        if (parse.Errors.Count > 0 && !WantsHelp(args))
        {
            foreach (var error in parse.Errors) stderr.WriteLine($"rocket: {error.Message}");
            stderr.WriteLine($"see: {CommandPath(parse)} --help");
            return ExitCodes.Usage;
        }
        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }

    /// <summary>"rocket topic create" for the command the arguments got to (the root's own name is the host's).</summary>
    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? r = parse.CommandResult; r is CommandResult c; r = c.Parent) names.Add(c.Command.Name);
        names[^1] = "rocket";
        names.Reverse();
        return string.Join(' ', names);
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
        var bench = new Command("bench", "Benchmarks");
        bench.Subcommands.Add(StoreBenchCommand.Create());
        root.Subcommands.Add(bench);
        var store = new Command("store", "Work with a store directory");
        store.Subcommands.Add(StoreWriteCommand.Create());
        root.Subcommands.Add(store);
        return root;
    }
}
