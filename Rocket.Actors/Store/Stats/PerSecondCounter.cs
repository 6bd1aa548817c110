namespace Rocket.Store.Stats;

/// <summary>
/// Counts events per wall-clock second in a small ring (RocketMQ's StoreStatsService keeps such samples for its TPS
/// figures): <see cref="Add"/> is lock-free and allocation-free from any thread, <see cref="LastMinute"/> sums the 60
/// whole seconds before now. Each slot packs the second it counts (low 24 bits of the Unix second) with its count, so
/// moving a slot to a new second and adding to it is one compare-and-swap: no count is lost to a race.
/// </summary>
public sealed class PerSecondCounter
{
    /// <summary>Seconds summed by <see cref="LastMinute"/>.</summary>
    public const int Window = 60;

    private const int Slots = 64; // more than the window plus the second being counted
    private const int StampBits = 24;
    private const int CountBits = 64 - StampBits;
    private const long CountMask = (1L << CountBits) - 1;
    private const long StampMask = (1L << StampBits) - 1;

    private readonly long[] _slots = new long[Slots];
    private readonly Func<long> _nowSeconds;

    /// <param name="nowSeconds">The clock in Unix seconds; the system clock when null (tests pass their own).</param>
    public PerSecondCounter(Func<long>? nowSeconds = null) =>
        _nowSeconds = nowSeconds ?? (static () => DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    /// <summary>Adds <paramref name="count"/> events to the current second.</summary>
    public void Add(long count)
    {
        if (count <= 0) return;
        long second = _nowSeconds();
        long stamp = second & StampMask;
        ref long slot = ref _slots[(int)(second % Slots)];
        while (true)
        {
            long seen = Volatile.Read(ref slot);
            long next = (seen >>> CountBits) == stamp
                ? (stamp << CountBits) | Math.Min(CountMask, (seen & CountMask) + count)
                : (stamp << CountBits) | Math.Min(CountMask, count); // a slot of an older second starts over
            if (Interlocked.CompareExchange(ref slot, next, seen) == seen) return;
        }
    }

    /// <summary>Events in the <see cref="Window"/> whole seconds before the current one.</summary>
    public long LastMinute()
    {
        long now = _nowSeconds();
        long total = 0;
        for (long second = now - Window; second < now; second++)
        {
            long value = Volatile.Read(ref _slots[(int)(second % Slots)]);
            if ((value >>> CountBits) == (second & StampMask)) total += value & CountMask;
        }
        return total;
    }

    /// <summary>Events per second over the last <see cref="Window"/> whole seconds.</summary>
    public double PerSecond() => LastMinute() / (double)Window;
}
