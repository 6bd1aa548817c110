namespace Rocket.Store.Stats;

/// <summary>
/// Message rates of one store (RocketMQ's put / get TPS): messages appended to the commit log (counted as the
/// projector indexes them, so internal topics such as retry, schedule and half messages count too, as in RocketMQ)
/// and messages delivered to consumers by pulls.
/// </summary>
public sealed class StoreStats(Func<long>? nowSeconds = null)
{
    public PerSecondCounter Appended { get; } = new(nowSeconds);
    public PerSecondCounter Delivered { get; } = new(nowSeconds);
}
