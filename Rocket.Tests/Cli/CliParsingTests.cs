using Rocket.Cli;
using Rocket.Cli.Commands;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>
/// The rocket command line as a contract: bad input fails before anything connects, with exit code 2, a message
/// naming the problem on stderr, and nothing on stdout (which scripts parse). No cluster is needed.
/// </summary>
public class CliParsingTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static void AssertUsageError(string expectedInMessage, params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expectedInMessage, error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Fact]
    public void An_unknown_verb_is_a_usage_error() => AssertUsageError("frobnicate", "frobnicate");

    [Fact]
    public void Send_without_a_topic_names_the_missing_option() => AssertUsageError("--topic", "send", "--count", "10");

    [Fact]
    public void Send_rejects_an_unknown_mode_and_lists_the_valid_ones()
    {
        var (code, _, error) = Run("send", "--topic", "T", "--mode", "fast");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("sync", error);
        Assert.Contains("oneway", error);
    }

    [Theory]
    [InlineData("--count", "0")]
    [InlineData("--size", "0")]
    [InlineData("--batch", "0")]
    [InlineData("--concurrency", "-1")]
    [InlineData("--delay-level", "0")]
    public void Send_rejects_non_positive_numbers(string option, string value) =>
        AssertUsageError($"{option} must be at least", "send", "--topic", "T", option, value);

    [Fact]
    public void Oneway_sends_cannot_be_batched() => AssertUsageError("--batch cannot be combined with --mode oneway",
        "send", "--topic", "T", "--mode", "oneway", "--batch", "10");

    [Fact]
    public void An_illegal_topic_name_is_rejected_before_connecting() => AssertUsageError("not a valid topic name", "send", "--topic", "a topic");

    [Fact]
    public void A_malformed_seed_is_rejected() => AssertUsageError("is not host:port", "cluster", "--seeds", "localhost");

    [Fact]
    public void Consume_needs_expect_with_verify_id() => AssertUsageError("--verify-id and --expect go together",
        "consume", "--topic", "T", "--group", "G", "--verify-id", "run1");

    [Fact]
    public void Consume_rejects_an_unparseable_start_point() => AssertUsageError("--from must be first, last or an ISO 8601 time",
        "consume", "--topic", "T", "--group", "G", "--from", "yesterday");

    [Fact]
    public void Consume_requires_a_group() => AssertUsageError("--group", "consume", "--topic", "T");

    [Fact]
    public void Topic_create_accepts_only_rocketmq_permissions() => AssertUsageError("'3'", "topic", "create", "--topic", "T", "--perm", "3");

    [Fact]
    public void Topic_create_rejects_zero_queues() => AssertUsageError("--write-queues must be at least 1",
        "topic", "create", "--topic", "T", "--write-queues", "0");

    [Fact]
    public void Bench_e2e_rejects_a_zero_rate() => AssertUsageError("--rate must be positive", "bench", "e2e", "--rate", "0");

    [Fact]
    public void Progress_requires_a_group() => AssertUsageError("--group", "progress");

    [Fact]
    public void Errors_name_the_full_command_for_help() => AssertUsageError("see: rocket topic create --help", "topic", "create");

    [Fact]
    public void Help_goes_to_stdout_and_succeeds()
    {
        var (code, output, _) = Run("send", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--verify-id", output);
        Assert.Contains("--concurrency", output);
    }

    [Theory]
    [InlineData("first", ConsumeFrom.First)]
    [InlineData("LAST", ConsumeFrom.Last)]
    [InlineData("2025-01-31T12:00:00Z", ConsumeFrom.Timestamp)]
    public void From_parses_first_last_and_iso_times(string text, ConsumeFrom expected)
    {
        Assert.True(ConsumeCommand.TryParseFrom(text, out var from, out var time));
        Assert.Equal(expected, from);
        if (expected == ConsumeFrom.Timestamp) Assert.Equal(new DateTimeOffset(2025, 1, 31, 12, 0, 0, TimeSpan.Zero), time);
    }

    [Fact]
    public void Seeds_split_on_commas_and_spaces() =>
        Assert.Equal(["a:1", "b:2", "c:3"], CommonOptions.SplitSeeds(["a:1,b:2", " c:3 "]));
}
