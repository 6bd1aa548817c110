namespace Rocket.Protocol.Filtering;

/// <summary>The language of a subscription's filter expression, as pull requests carry it (RocketMQ's ExpressionType).</summary>
public enum FilterType
{
    /// <summary>"*", "TagA" or "TagA || TagB".</summary>
    Tag = 0,
    /// <summary>A SQL92 condition over message properties (and TAGS), evaluated on the broker.</summary>
    Sql92 = 1,
}
