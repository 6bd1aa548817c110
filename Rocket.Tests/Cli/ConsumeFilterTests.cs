using Rocket.Cli;
using Rocket.Cli.Commands.Shared;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>
/// Refused before anything connects (exit 2): a SQL92 --filter (as tags it would match nothing, silently), an invalid
/// --sql (column and reason), a malformed --prop.
/// </summary>
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
        Assert.Contains("a SQL92 condition goes in --sql", error.ToString());
        Assert.Equal("", output.ToString());
    }

    [Theory]
    [InlineData(new[] { "--sql", "a > 5 AND (b = 1" }, "--sql: expected ')' to close the '(' of column 11, found the end of the expression at column 17")]
    [InlineData(new[] { "--sql", "a != 1" }, "unknown operator '!=' (SQL92 writes '<>') at column 3")]
    [InlineData(new[] { "--sql", "a = 1", "--filter", "TagA" }, "--filter (tags) and --sql are two kinds of subscription")]
    public void A_bad_sql_option_is_a_usage_error_naming_the_column(string[] options, string expected)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(["consume", "--topic", "T", "--group", "G", .. options, "--seeds", "127.0.0.1:1"], output, error);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, error.ToString());
        Assert.Equal("", output.ToString());
    }

    [Theory]
    [InlineData("a", "--prop 'a' must be NAME=VALUE")]
    [InlineData("=1", "must be NAME=VALUE")]
    [InlineData("a={j}", "unknown placeholder '{j}'")]
    [InlineData("a={i%0}", "unknown placeholder '{i%0}'")]
    [InlineData("a={i", "is not closed")]
    public void A_bad_prop_option_is_a_usage_error(string prop, string expected)
    {
        var error = new StringWriter();
        int code = Program.Run(["send", "--topic", "T", "--prop", prop, "--seeds", "127.0.0.1:1"], new StringWriter(), error);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, error.ToString());
    }

    [Fact]
    public void Property_templates_put_the_sequence_number_in_the_value()
    {
        Assert.Equal("7", PropertyTemplate.Parse("a={i%10}").Render(17));
        Assert.Equal("order-17-of-x", PropertyTemplate.Parse("id=order-{i}-of-x").Render(17));
        Assert.Equal("3 and 13", PropertyTemplate.Parse("p={i%10} and {i}").Render(13));
        Assert.Equal("plain=value", PropertyTemplate.Parse("k=plain=value").Render(5));
        Assert.Equal("", PropertyTemplate.Parse("k=").Render(5));
        Assert.Equal("k", PropertyTemplate.Parse("k=v").Name);
    }
}
