using System.CommandLine;
using Rocket.Cli.Bench;
using Rocket.Cli.Store;

namespace Rocket.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("rocket: admin and benchmark tool for the Rocket message queue");
        var bench = new Command("bench", "Benchmarks");
        bench.Subcommands.Add(StoreBenchCommand.Create());
        root.Subcommands.Add(bench);
        var store = new Command("store", "Work with a store directory");
        store.Subcommands.Add(StoreWriteCommand.Create());
        root.Subcommands.Add(store);
        return root.Parse(args).Invoke();
    }
}
