using Rocket.Store.Format;

namespace Rocket.Broker.Pull;

/// <summary>
/// RocketMQ's tag subscription: "*" (or empty) takes everything, "TagA || TagB" takes those tags. The consume queue
/// holds tag hash codes, so the broker filters by hash first and then checks the real tag of each candidate.
/// </summary>
public sealed class TagFilter
{
    public static readonly TagFilter All = new(null);
    private static readonly Dictionary<string, TagFilter> Cache = new();

    private readonly HashSet<string>? _tags;
    private readonly HashSet<long>? _codes;

    private TagFilter(HashSet<string>? tags)
    {
        _tags = tags;
        _codes = tags?.Select(TagHash.Of).ToHashSet();
    }

    public bool AcceptsEverything => _tags is null;

    /// <summary>Parses a subscription expression (cached: consumers send the same few expressions on every pull).</summary>
    public static TagFilter Parse(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression) || expression.Trim() == "*") return All;
        lock (Cache) // pull actors of different queues may parse concurrently; the cache is tiny and rarely written
        {
            if (Cache.TryGetValue(expression, out var cached)) return cached;
            var tags = expression.Split("||", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(t => t.Length > 0).ToHashSet(StringComparer.Ordinal);
            var filter = tags.Count == 0 ? All : new TagFilter(tags);
            if (Cache.Count > 10_000) Cache.Clear();
            Cache[expression] = filter;
            return filter;
        }
    }

    public bool AcceptsCode(long tagCode) => _codes is null || _codes.Contains(tagCode);

    public bool AcceptsTag(string? tag) => _tags is null || (tag is not null && _tags.Contains(tag));
}
