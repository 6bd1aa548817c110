using Rocket.Cli;
using Rocket.Cli.Commands.Shared;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>A SQL92 --filter is refused before anything connects (exit 2): as tags it would match nothing, silently.</summary>
public class ConsumeFilterTests
{
    [Theory]
    [InlineData("a > 5", "it contains '>'")]
    [InlineData("color = 'red'", "it contains '='")]
    [InlineData("TagA AND TagB", "the SQL keyword 'AND'")]
    public void A_SQL92_filter_is_a_usage_error_naming_it(string filter, string why)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(["consume", "--topic", "T", "--group", "G", "--filter", filter, "--seeds", "127.0.0.1:1"], output, error);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("looks like SQL92", error.ToString());
        Assert.Contains(why, error.ToString());
        Assert.Contains("SQL92 filtering is not supported yet", error.ToString());
        Assert.Equal("", output.ToString());
    }
}
