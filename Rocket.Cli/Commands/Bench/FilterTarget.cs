using Rocket.Cli.Commands.Shared;
using Rocket.Protocol;
using Rocket.Protocol.Filtering;

namespace Rocket.Cli.Commands.Bench;

/// <summary>How many of the generated messages a SQL92 filter keeps, evaluated here on the same generated properties.</summary>
public static class FilterTarget
{
    /// <summary>The count, or null when the filter reads a property <paramref name="templates"/> does not set (unknowable here).</summary>
    public static long? Matching(string sql, IReadOnlyList<PropertyTemplate> templates, long count)
    {
        var filter = SqlFilter.Compile(sql);
        var set = templates.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        if (filter.PropertyNames.Any(name => !set.Contains(name))) return null;
        long matching = 0;
        for (long i = 0; i < count; i++)
            if (filter.Matches(MessageProperties.Encode(templates.Select(t => KeyValuePair.Create(t.Name, t.Render(i)))))) matching++;
        return matching;
    }
}
