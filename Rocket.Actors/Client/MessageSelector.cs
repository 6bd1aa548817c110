namespace Rocket.Client;

/// <summary>The language of a subscription's filter expression (RocketMQ's ExpressionType).</summary>
public enum ExpressionType
{
    /// <summary>"*", "TagA" or "TagA || TagB".</summary>
    Tag,
    /// <summary>A SQL92 condition over message properties. Not supported yet: subscribing with one is refused.</summary>
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

    /// <summary>By a SQL92 condition. Rocket does not filter by SQL92 yet: a subscription with this selector is refused.</summary>
    public static MessageSelector BySql(string expression) => new(ExpressionType.Sql92, expression ?? "");

    public override string ToString() => $"{Type}: {Expression}";
}
