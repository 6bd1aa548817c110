using System.Text.Json;
using Rocket.Cli.Commands.Shared;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>
/// <c>rocket bench produce|consume|e2e|store</c> with small counts: each runs to the end, accounts for every message
/// and reports its figures in the promised JSON keys. (The figures themselves are measured by hand, see README.)
/// </summary>
[Collection(MultiProcess.LaneA)]
public class BenchVerbTests(StandaloneNode node) : IClassFixture<StandaloneNode>
{
    [Fact]
    public async Task Bench_produce_sends_every_message_after_the_warm_up_and_reports_send_latency()
    {
        var report = (await node.RocketAsync("bench", "produce", "--topic", "BenchProduce", "--queues", "4", "--count", "2000",
            "--warmup", "200", "--size", "256")).Exits(ExitCodes.Ok).Json();
        Assert.Equal("produce", report.GetProperty("bench").GetString());
        Assert.Equal(2000, report.GetProperty("sent").GetInt64());
        Assert.Equal(0, report.GetProperty("failed").GetInt64());
        AssertRates(report);
        AssertPercentiles(report);

        var route = (await node.RocketAsync("topic", "route", "--topic", "BenchProduce")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(4, Assert.Single(route.GetProperty("queues").EnumerateArray()).GetProperty("write_queues").GetInt32());
    }

    [Fact]
    public async Task Bench_consume_drains_its_prefilled_backlog()
    {
        var report = (await node.RocketAsync("bench", "consume", "--topic", "BenchConsume", "--prefill", "2000", "--size", "256"))
            .Exits(ExitCodes.Ok).Json();
        Assert.Equal("consume", report.GetProperty("bench").GetString());
        Assert.Equal(2000, report.GetProperty("sent").GetInt64());
        Assert.Equal(2000, report.GetProperty("received").GetInt64());
        Assert.Equal(0, report.GetProperty("missing").GetInt64());
        AssertRates(report);
    }

    [Fact]
    public async Task Bench_consume_with_sql_drains_only_the_matching_tenth_and_knows_how_many_to_expect()
    {
        var report = (await node.RocketAsync("bench", "consume", "--topic", "BenchConsumeSql", "--prefill", "2000", "--size", "64",
            "--prop", "a={i%10}", "--sql", "a = 0", "--broker-pid", node.Process.Id.ToString())).Exits(ExitCodes.Ok).Json();
        Assert.Equal(2000, report.GetProperty("sent").GetInt64());
        Assert.Equal(200, report.GetProperty("matching").GetInt64());
        Assert.Equal(200, report.GetProperty("received").GetInt64());
        Assert.Equal(0, report.GetProperty("missing").GetInt64());
        Assert.Equal("a = 0", report.GetProperty("sql").GetString());
        Assert.True(report.GetProperty("broker_cpu_ms").GetDouble() >= 0);
    }

    [Fact]
    public async Task Bench_e2e_receives_every_message_sent_at_the_rate_and_reports_end_to_end_latency()
    {
        var run = await node.RocketAsync("bench", "e2e", "--topic", "BenchE2e", "--rate", "400", "--duration", "2", "--warmup", "0.5",
            "--size", "256");
        var report = run.Exits(ExitCodes.Ok).Json();
        Assert.Equal("e2e", report.GetProperty("bench").GetString());
        // Counts are checked together, with the tool's own output, so a failure shows what the run saw.
        var counts = string.Join(' ', new[] { "sent", "received", "missing", "duplicates" }.Select(k => $"{k}={report.GetProperty(k).GetInt64()}"));
        Assert.True(counts == "sent=800 received=800 missing=0 duplicates=0", $"{counts}\nstdout:\n{run.Stdout}\nstderr:\n{run.Stderr}");
        Assert.Equal(400, report.GetProperty("target_rate").GetDouble());
        AssertRates(report);
        AssertPercentiles(report);
        // The tool's own collections while it sent and received: a count, their pause in all, and the mean of one.
        int collections = report.GetProperty("client_gc_collections").GetInt32();
        double paused = report.GetProperty("client_gc_pause_ms").GetDouble();
        Assert.True(collections >= 0 && paused >= 0, $"{collections} collections, {paused} ms");
        var mean = report.GetProperty("client_gc_pause_mean_ms");
        if (collections == 0) Assert.Equal(JsonValueKind.Null, mean.ValueKind);
        else Assert.Equal(paused / collections, mean.GetDouble(), 6);
    }

    [Theory]
    [InlineData("async", "0")]
    [InlineData("sync", "8")]
    public async Task Bench_store_appends_every_message_and_measures_the_raw_baseline(string flush, string writers)
    {
        using var dir = new TempDirectory("bench-store");
        var report = (await RocketTool.RunAsync("bench", "store", "--count", "20000", "--size", "256", "--segment-size", "16m",
            "--flush", flush, "--writers", writers, "--dir", dir.Path, "--json")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(20000, report.GetProperty("count").GetInt64());
        Assert.Equal(0, report.GetProperty("failed").GetInt64());
        AssertRates(report);
        Assert.True(report.GetProperty("raw_mb_per_s").GetDouble() > 0);
        Assert.True(report.GetProperty("ratio").GetDouble() > 0);
        Assert.True(report.GetProperty("stored_bytes").GetInt64() >= 20000L * 256);
        // Latency is per acknowledged single-message write; batch mode has none.
        if (writers == "0") Assert.Equal(JsonValueKind.Null, report.GetProperty("p50_us").ValueKind);
        else AssertPercentiles(report);
    }

    private static void AssertRates(JsonElement report)
    {
        Assert.True(report.GetProperty("msgs_per_s").GetDouble() > 0);
        Assert.True(report.GetProperty("mb_per_s").GetDouble() > 0);
    }

    private static void AssertPercentiles(JsonElement report)
    {
        double p50 = report.GetProperty("p50_us").GetDouble(), p99 = report.GetProperty("p99_us").GetDouble(),
            p999 = report.GetProperty("p999_us").GetDouble();
        Assert.True(0 < p50 && p50 <= p99 && p99 <= p999, $"percentiles out of order: {p50} {p99} {p999}");
    }
}
