using Rocket.Protocol;
using Rocket.Protocol.Filtering;
using Rocket.Store.Log;

namespace Rocket.Broker.Pull;

/// <summary>
/// A pull's filter as the store applies it: the tag-code test on consume-queue entries, the properties test on
/// records (SQL92), the exact tag check on what was read; or, when the filter cannot be applied, why.
/// </summary>
internal sealed class PullFilter
{
    public static readonly PullFilter All = new(SubscriptionFilter.All, null);

    private PullFilter(SubscriptionFilter? filter, string? refusal)
    {
        Filter = filter;
        Refusal = refusal;
        if (filter?.Tags is { AcceptsEverything: false } tags) TagCodes = tags.AcceptsCode;
        if (filter?.Sql is { } sql) Properties = sql.Matches; // one delegate per compiled filter, not per pull
    }

    public SubscriptionFilter? Filter { get; }
    public string? Refusal { get; }
    public Func<long, bool>? TagCodes { get; }
    public PropertiesFilter? Properties { get; }

    /// <summary>Whether a read message must still pass the exact tag check (tag hashes can collide).</summary>
    public bool ChecksTags => TagCodes is not null;

    public bool MatchesTag(string? tag) => Filter?.Tags?.Matches(tag) ?? true;

    public static PullFilter Compile(FilterType type, string? expression, BrokerSettings settings)
    {
        if (type == FilterType.Tag && string.IsNullOrWhiteSpace(expression)) return All;
        if (type == FilterType.Sql92 && !settings.EnablePropertyFilter)
            return new(null, $"SQL92 filtering is off on broker {settings.BrokerName}: set rocket.broker.enable-property-filter = on " +
                "(RocketMQ's enablePropertyFilter) to filter by message properties");
        try { return new(SubscriptionFilter.Compile(type, expression), null); }
        catch (FilterSyntaxException e) { return new(null, e.Message); }
        catch (ArgumentException e) { return new(null, e.Message); }
    }
}

/// <summary>
/// The filters one queue actor was asked for, each compiled once (consumers repeat a few expressions); bounded, so
/// a stream of distinct expressions cannot grow it without limit.
/// </summary>
internal sealed class PullFilterCache(BrokerSettings settings)
{
    private const int Capacity = 256;
    private readonly Dictionary<(FilterType, string), PullFilter> _filters = new();

    public PullFilter For(FilterType type, string? expression)
    {
        if (type == FilterType.Tag && (expression is "*" || string.IsNullOrWhiteSpace(expression))) return PullFilter.All; // the common case, no lookup
        var key = (type, expression ?? "");
        if (_filters.TryGetValue(key, out var filter)) return filter;
        if (_filters.Count >= Capacity) _filters.Clear();
        return _filters[key] = PullFilter.Compile(type, expression, settings);
    }
}
