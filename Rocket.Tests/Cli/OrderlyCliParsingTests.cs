using Rocket.Cli;
using Rocket.Cli.Commands.Shared;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>The ordered-messaging options refuse what they cannot honour, before anything is attempted (exit 2).</summary>
public class OrderlyCliParsingTests
{
    private static void AssertUsageError(string expectedInMessage, params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = Program.Run(args, output, error);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expectedInMessage, error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
    }

    [Theory]
    [InlineData("--mode", "async")]
    [InlineData("--mode", "oneway")]
    [InlineData("--batch", "8")]
    [InlineData("--keys", "mine")]
    [InlineData("--transaction", "commit")]
    public void Order_keys_refuse_what_would_break_the_per_key_sequence(string option, string value) =>
        AssertUsageError("--order-keys sends each key's messages one at a time", "send", "--topic", "T", "--order-keys", "16", option, value);

    [Fact]
    public void Order_keys_must_be_positive() => AssertUsageError("--order-keys must be at least", "send", "--topic", "T", "--order-keys", "0");

    [Fact]
    public void A_handled_log_needs_the_orderly_handler() =>
        AssertUsageError("--handled-log records the handling order of an orderly consumer", "consume", "--topic", "T", "--group", "G", "--handled-log", "/tmp/x");
}
