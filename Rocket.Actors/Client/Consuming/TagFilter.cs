namespace Rocket.Client.Consuming;

/// <summary>RocketMQ's tag expression: "*" (or empty) matches all, otherwise "TagA || TagB".</summary>
internal sealed class TagFilter
{
    private readonly HashSet<string>? _tags;

    public TagFilter(string? expression)
    {
        Expression = string.IsNullOrWhiteSpace(expression) ? "*" : expression.Trim();
        if (Expression == "*") return;
        _tags = new HashSet<string>(
            Expression.Split("||", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
        if (_tags.Count == 0) throw new RocketClientException($"tag expression '{expression}' names no tag");
    }

    public string Expression { get; }

    public bool Matches(string? tag) => _tags is null || (tag is not null && _tags.Contains(tag));
}
