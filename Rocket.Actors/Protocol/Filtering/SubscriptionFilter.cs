namespace Rocket.Protocol.Filtering;

/// <summary>
/// A subscription's filter, compiled: by tag (<see cref="Tags"/>) or by SQL92 (<see cref="Sql"/>). Consumers compile it
/// at subscribe (an invalid expression is refused there); brokers compile each distinct one they are asked for once.
/// </summary>
public sealed class SubscriptionFilter
{
    public static readonly SubscriptionFilter All = new(FilterType.Tag, "*", TagExpression.All, null);

    private SubscriptionFilter(FilterType type, string expression, TagExpression? tags, SqlFilter? sql)
    {
        Type = type;
        Expression = expression;
        Tags = tags;
        Sql = sql;
    }

    public FilterType Type { get; }

    /// <summary>The expression as pull requests carry it (a tag expression normalised).</summary>
    public string Expression { get; }

    /// <summary>The tag filter, when <see cref="Type"/> is <see cref="FilterType.Tag"/>.</summary>
    public TagExpression? Tags { get; }

    /// <summary>The SQL92 filter, when <see cref="Type"/> is <see cref="FilterType.Sql92"/>.</summary>
    public SqlFilter? Sql { get; }

    /// <summary>True for a tag filter that takes every message ("*").</summary>
    public bool AcceptsEverything => Tags is { AcceptsEverything: true };

    /// <exception cref="FilterSyntaxException">An invalid SQL92 expression.</exception>
    /// <exception cref="ArgumentException">A tag expression that names no tag, or an unknown type.</exception>
    public static SubscriptionFilter Compile(FilterType type, string? expression) => type switch
    {
        FilterType.Tag when TagExpression.Parse(expression) is var tags => tags.AcceptsEverything ? All : new(FilterType.Tag, tags.Expression, tags, null),
        FilterType.Sql92 => new(FilterType.Sql92, expression ?? "", null, SqlFilter.Compile(expression)),
        _ => throw new ArgumentException($"unknown filter type {(int)type} (0 = tag, 1 = SQL92)"),
    };

    public override string ToString() => $"{Type}: {Expression}";
}
