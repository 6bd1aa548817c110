namespace Rocket.Client;

/// <summary>The language of a subscription's filter expression (RocketMQ's ExpressionType).</summary>
public enum ExpressionType
{
    /// <summary>"*", "TagA" or "TagA || TagB".</summary>
    Tag,
    /// <summary>A SQL92 condition over message properties and TAGS, evaluated on the broker (docs/sql-filter.md).</summary>
    Sql92,
}

/// <summary>How a consumer selects the messages of a topic (RocketMQ's MessageSelector).</summary>
public sealed record MessageSelector
{
    private MessageSelector(ExpressionType type, string expression)
    {
        Type = type;
        Expression = expression;
    }

    public ExpressionType Type { get; }
    public string Expression { get; }

    /// <summary>Every message.</summary>
    public static MessageSelector All { get; } = new(ExpressionType.Tag, "*");

    /// <summary>By tag: "*", "TagA" or "TagA || TagB".</summary>
    public static MessageSelector ByTag(string expression) => new(ExpressionType.Tag, expression ?? "*");

    /// <summary>
    /// By a SQL92 condition over message properties (and TAGS), e.g. "a > 5 AND region IN ('eu', 'us')". Compiled at
    /// subscribe (an invalid one is refused with its column and reason); the brokers need enable-property-filter = on.
    /// </summary>
    public static MessageSelector BySql(string expression) => new(ExpressionType.Sql92, expression ?? "");

    public override string ToString() => $"{Type}: {Expression}";
}
