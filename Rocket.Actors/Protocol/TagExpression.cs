
namespace Rocket.Protocol;

/// <summary>
/// RocketMQ's tag subscription, shared by consumers and brokers: "*" (or empty) takes everything, "TagA || TagB"
/// takes those tags. The consume queue holds tag hash codes, so the broker filters by code first and then checks the
/// real tag of each candidate (the only exact check: clients trust the broker's answer).
/// </summary>
public sealed class TagExpression
{
    public static readonly TagExpression All = new("*", null);

    private readonly HashSet<string>? _tags;
    private readonly HashSet<long>? _codes;

    private TagExpression(string expression, HashSet<string>? tags)
    {
        Expression = expression;
        _tags = tags;
        _codes = tags?.Select(TagHash.Of).ToHashSet();
    }

    /// <summary>The normalised expression, as sent in pull requests.</summary>
    public string Expression { get; }

    public bool AcceptsEverything => _tags is null;

    /// <exception cref="ArgumentException">The expression has separators but no tag (e.g. "||").</exception>
    public static TagExpression Parse(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression) || expression.Trim() == "*") return All;
        var tags = expression.Split("||", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(t => t.Length > 0).ToHashSet(StringComparer.Ordinal);
        if (tags.Count == 0) throw new ArgumentException($"tag expression '{expression}' names no tag");
        return new TagExpression(expression.Trim(), tags);
    }

    private static readonly char[] SqlCharacters = ['=', '>', '<', '(', ')', '\'', '"', '!'];
    private static readonly HashSet<string> SqlKeywords = new(StringComparer.OrdinalIgnoreCase)
        { "AND", "OR", "NOT", "IS", "NULL", "BETWEEN", "IN", "LIKE", "TRUE", "FALSE" };

    /// <summary>
    /// Why <paramref name="expression"/> looks like a SQL92 condition rather than tags ("a > 5", "color = 'red'",
    /// "a AND b"), or null. Such an expression parsed as tags would match nothing, silently.
    /// </summary>
    public static string? Sql92Hint(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression)) return null;
        int at = expression.IndexOfAny(SqlCharacters);
        if (at >= 0) return $"it contains '{expression[at]}'";
        foreach (var tag in expression.Split("||", StringSplitOptions.TrimEntries))
        {
            var words = tag.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2) continue;
            if (words.FirstOrDefault(SqlKeywords.Contains) is { } keyword) return $"it contains the SQL keyword '{keyword}' between tags";
        }
        return null;
    }

    public bool AcceptsCode(long tagCode) => _codes is null || _codes.Contains(tagCode);

    public bool Matches(string? tag) => _tags is null || (tag is not null && _tags.Contains(tag));
}
