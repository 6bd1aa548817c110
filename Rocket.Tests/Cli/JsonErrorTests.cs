using System.Text.Json;
using Rocket.Cli;
using Rocket.Cli.Commands.Shared;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>With <c>--json</c>, a failing run prints exactly one JSON object, <c>{"error": …, "exit_code": …}</c> (issue 8). No cluster needed.</summary>
public class JsonErrorTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string ErrorOf(string stdout, int exitCode)
    {
        using var json = JsonDocument.Parse(stdout); // exactly one JSON value, nothing around it
        Assert.Equal(["error", "exit_code"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(exitCode, json.RootElement.GetProperty("exit_code").GetInt32());
        return json.RootElement.GetProperty("error").GetString()!;
    }

    [Fact]
    public void A_command_line_that_does_not_parse_is_one_json_error_with_exit_2()
    {
        var (code, output, error) = Run("send", "--topic", "T", "--mode", "fast", "--json");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("fast", ErrorOf(output, ExitCodes.Usage));
        Assert.Contains("fast", error);

        // Without --json, stdout stays empty.
        Assert.Equal("", Run("send", "--topic", "T", "--mode", "fast").Out);
    }

    [Fact]
    public void A_refused_sql92_filter_is_one_json_error_with_exit_2() =>
        Assert.Contains("SQL92", ErrorOf(Run("consume", "--topic", "T", "--group", "G", "--filter", "a > 5", "--seeds", "127.0.0.1:1", "--json").Out, ExitCodes.Usage));

    [Fact]
    public void A_misspelled_bench_store_setting_is_named_in_one_json_error_with_exit_2()
    {
        var (code, output, error) = Run("bench", "store", "--count", "1", "--set", "rocket.store.flush-disk-typ = SYNC_FLUSH", "--json");
        Assert.Equal(ExitCodes.Usage, code);
        const string expected = "unknown setting rocket.store.flush-disk-typ (did you mean rocket.store.flush-disk-type?) in --set";
        Assert.Contains(expected, ErrorOf(output, ExitCodes.Usage));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Finish_writes_the_error_object_only_when_a_failed_verb_wrote_no_result()
    {
        var output = new StringWriter();
        var cli = new CliContext([], json: true, output, new StringWriter());
        Assert.Equal(ExitCodes.Ok, cli.Finish(ExitCodes.Ok));
        Assert.Equal("", output.ToString());

        cli.Error("rocket x: it broke");
        Assert.Equal(ExitCodes.Unavailable, cli.Finish(ExitCodes.Unavailable));
        Assert.Equal("rocket x: it broke", ErrorOf(output.ToString(), ExitCodes.Unavailable));

        var withResult = new StringWriter();
        var reported = new CliContext([], json: true, withResult, new StringWriter());
        reported.WriteJson(new { sent = 1 });
        Assert.Equal(ExitCodes.Failed, reported.Finish(ExitCodes.Failed));
        Assert.Equal("{\"sent\":1}", withResult.ToString().Trim());
        Assert.Throws<InvalidOperationException>(() => reported.WriteJson(new { again = true }));
    }
}
