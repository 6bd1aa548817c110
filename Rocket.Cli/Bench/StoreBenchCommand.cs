using System.CommandLine;
using System.Text.Json;
using Rocket.Cli.Commands.Shared;

namespace Rocket.Cli.Bench;

/// <summary><c>rocket bench store</c>: the in-process store benchmark with its raw mmap baseline.</summary>
public static class StoreBenchCommand
{
    public static Command Create()
    {
        var size = new Option<int>("--size") { Description = "Message body size in bytes", DefaultValueFactory = _ => 1024 };
        var count = new Option<long>("--count") { Description = "Messages to append", DefaultValueFactory = _ => 2_000_000 };
        var flush = new Option<string>("--flush") { Description = "async or sync (flush-disk-type)", DefaultValueFactory = _ => "async" };
        flush.AcceptOnlyFromAmong("async", "sync");
        var writers = new Option<int>("--writers")
        {
            Description = "Concurrent single-message writers, each waiting for its acknowledgement; 0 = batch mode",
            DefaultValueFactory = _ => 0,
        };
        var batch = new Option<int>("--batch") { Description = "Messages per batch in batch mode", DefaultValueFactory = _ => 512 };
        var dir = new Option<string?>("--dir") { Description = "Directory for the store and the raw baseline file (default: a temp folder, deleted afterwards)" };
        var segment = new Option<string>("--segment-size") { Description = "Commit-log segment size", DefaultValueFactory = _ => "1g" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the results" };
        var set = new Option<string[]>("--set")
        {
            Description = "Extra HOCON settings, e.g. --set rocket.store.flush-interval-commit-log=200ms",
            AllowMultipleArgumentsPerToken = true,
        };

        var command = new Command("store", "Append messages through the journal actor and compare with raw mmap bandwidth")
        {
            size, count, flush, writers, batch, dir, segment, json, set,
        };
        command.SetAction(parse =>
        {
            var cli = new CliContext([], parse.GetValue(json), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var options = new StoreBenchOptions(
                parse.GetValue(size), parse.GetValue(count), parse.GetValue(flush) == "sync",
                parse.GetValue(writers), parse.GetValue(batch), parse.GetValue(dir), parse.GetValue(segment)!,
                parse.GetValue(set) ?? []);
            if (options.BodySize <= 0 || options.Count <= 0 || options.Batch <= 0 || options.Writers < 0)
            {
                cli.Error("rocket bench store: --size, --count and --batch must be positive and --writers must not be negative");
                return cli.Finish(ExitCodes.Usage);
            }
            StoreBenchResult result;
            try
            {
                result = StoreBenchmark.Run(options, progress: cli.Json ? null : cli.Err);
            }
            catch (Akka.Configuration.ConfigurationException e)
            {
                cli.Error($"rocket bench store: {e.Message}");
                return cli.Finish(ExitCodes.Usage);
            }
            if (cli.Json) cli.WriteJson(result, BenchJson.Options);
            else result.PrintHuman(cli.Out);
            return cli.Finish(result.Failed == 0 ? ExitCodes.Ok : ExitCodes.Failed);
        });
        return command;
    }
}

internal static class BenchJson
{
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
