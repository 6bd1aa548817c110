using System.CommandLine;
using System.Text.Json;

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
            var options = new StoreBenchOptions(
                parse.GetValue(size), parse.GetValue(count), parse.GetValue(flush) == "sync",
                parse.GetValue(writers), parse.GetValue(batch), parse.GetValue(dir), parse.GetValue(segment)!,
                parse.GetValue(set) ?? []);
            if (options.BodySize <= 0 || options.Count <= 0 || options.Batch <= 0 || options.Writers < 0)
            {
                parse.InvocationConfiguration.Error.WriteLine("--size, --count and --batch must be positive and --writers must not be negative");
                return 2;
            }
            var output = parse.InvocationConfiguration.Output;
            var result = StoreBenchmark.Run(options, progress: parse.GetValue(json) ? null : parse.InvocationConfiguration.Error);
            if (parse.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(result, BenchJson.Options));
            else
                result.PrintHuman(output);
            return result.Failed == 0 ? 0 : 1;
        });
        return command;
    }
}

internal static class BenchJson
{
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
