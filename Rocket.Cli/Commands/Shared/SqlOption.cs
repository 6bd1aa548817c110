using System.CommandLine;
using Rocket.Protocol.Filtering;

namespace Rocket.Cli.Commands.Shared;

/// <summary><c>--sql EXPR</c>: a SQL92 filter, compiled at parse time so that a bad one fails (column and reason) before anything connects.</summary>
public static class SqlOption
{
    public static Option<string?> Create(string description = "SQL92 condition over message properties and TAGS, filtered on the broker (needs enable-property-filter = on)")
    {
        var option = new Option<string?>("--sql") { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is not { } expression) return;
            try { SqlFilter.Compile(expression); }
            catch (FilterSyntaxException e) { result.AddError($"--sql: {e.Message}"); }
        });
        return option;
    }
}
