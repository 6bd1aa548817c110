using System.Text.Json;
using Rocket.Cli.Commands.Shared;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>
/// Timer messages through <c>rocket</c>: <c>send --deliver-after-ms / --deliver-at</c>, <c>consume</c>'s early and
/// lateness keys, and <c>bench timer</c> with a small count, against a real standalone node.
/// </summary>
[Collection(MultiProcess.LaneB)]
public class TimerVerbTests(StandaloneNode node) : IClassFixture<StandaloneNode>
{
    [Fact]
    public async Task Send_with_a_delivery_time_arrives_after_it_and_consume_reports_lateness()
    {
        (await node.RocketAsync("topic", "create", "--topic", "TimerVerb", "--queues", "2")).Exits(ExitCodes.Ok);
        var consume = node.RocketAsync("consume", "--topic", "TimerVerb", "--group", "TimerVerbG", "--from", "first",
            "--verify-id", "tv", "--expect", "40", "--timeout", "30");
        var after = (await node.RocketAsync("send", "--topic", "TimerVerb", "--count", "20", "--verify-id", "tv", "--deliver-after-ms", "1500"))
            .Exits(ExitCodes.Ok).Json();
        Assert.Equal(20, after.GetProperty("sent").GetInt64());
        // --deliver-at sends the same sequence numbers again (a second run of the id): 40 deliveries, 20 unique.
        var at = DateTimeOffset.UtcNow.AddSeconds(2).ToString("O");
        (await node.RocketAsync("send", "--topic", "TimerVerb", "--count", "20", "--verify-id", "tv", "--deliver-at", at)).Exits(ExitCodes.Ok);

        var report = (await consume).Json();
        Assert.Equal(40, report.GetProperty("received").GetInt64());
        Assert.Equal(0, report.GetProperty("early").GetInt64());
        double p50 = report.GetProperty("lateness_p50_ms").GetDouble(), p99 = report.GetProperty("lateness_p99_ms").GetDouble();
        Assert.True(0 <= p50 && p50 <= p99, $"lateness p50 {p50}, p99 {p99}");
    }

    [Fact]
    public async Task Consume_of_messages_without_a_due_time_reports_no_lateness()
    {
        (await node.RocketAsync("send", "--topic", "TimerPlain", "--count", "5", "--verify-id", "tp")).Exits(ExitCodes.Ok);
        var report = (await node.RocketAsync("consume", "--topic", "TimerPlain", "--group", "TimerPlainG", "--from", "first",
            "--verify-id", "tp", "--expect", "5")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(JsonValueKind.Null, report.GetProperty("early").ValueKind);
        Assert.Equal(JsonValueKind.Null, report.GetProperty("lateness_p99_ms").ValueKind);
    }

    [Theory]
    [InlineData("--deliver-after-ms", "-5", "--deliver-after-ms")]
    [InlineData("--deliver-at", "tomorrow", "--deliver-at must be an ISO 8601 time")]
    public async Task A_bad_delivery_time_on_the_command_line_is_a_usage_error(string option, string value, string expected)
    {
        var run = await node.RocketAsync("send", "--topic", "TimerBad", option, value);
        var error = run.Exits(ExitCodes.Usage).Json();
        Assert.Contains(expected, error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Both_delivery_options_at_once_are_a_usage_error()
    {
        var error = (await node.RocketAsync("send", "--topic", "TimerBad", "--deliver-after-ms", "5", "--deliver-at", "2030-01-01T00:00:00Z"))
            .Exits(ExitCodes.Usage).Json();
        Assert.Contains("--deliver-after-ms and --deliver-at cannot be combined", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Bench_timer_delivers_every_scheduled_message_after_its_due_time_and_reports_its_figures()
    {
        var run = await node.RocketAsync("bench", "timer", "--topic", "BenchTimer", "--count", "2000", "--delay-ms", "1500", "--spread-ms", "1000");
        var report = run.Exits(ExitCodes.Ok).Json();
        var counts = string.Join(' ', new[] { "sent", "received", "early", "missing", "duplicates" }.Select(k => $"{k}={report.GetProperty(k).GetInt64()}"));
        Assert.True(counts == "sent=2000 received=2000 early=0 missing=0 duplicates=0", $"{counts}\nstdout:\n{run.Stdout}\nstderr:\n{run.Stderr}");
        Assert.True(report.GetProperty("schedule_msgs_per_s").GetDouble() > 0);
        double p50 = report.GetProperty("lateness_p50_ms").GetDouble(), p99 = report.GetProperty("lateness_p99_ms").GetDouble(),
            max = report.GetProperty("lateness_max_ms").GetDouble();
        Assert.True(0 <= p50 && p50 <= p99 && p99 <= max, $"lateness out of order: {p50} {p99} {max}");
        // The fixture's node is the only local Rocket.Node only when no other test runs one: measured, or null with a reason.
        var rss = report.GetProperty("broker_rss_mb");
        Assert.True(rss.ValueKind == JsonValueKind.Null || rss.GetDouble() > 0, rss.ToString());
    }
}
