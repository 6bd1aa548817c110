using System.CommandLine;
using System.CommandLine.Parsing;

namespace Rocket.Cli.Commands.Shared;

public static class CommandPath
{
    /// <summary>"rocket topic create" for the command the arguments reached (the root's own name is the host's, so it is replaced).</summary>
    public static string Of(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? r = parse.CommandResult; r is CommandResult c; r = c.Parent) names.Add(c.Command.Name);
        names[^1] = "rocket";
        names.Reverse();
        return string.Join(' ', names);
    }
}
