namespace Rocket.Store.Health;

/// <summary>
/// Delays between retries of a failed store step: 100 ms doubling up to 5 s, so a lasting fault costs a few attempts a
/// minute, not a retry storm, while a short one clears within a fraction of a second. One owner (an actor), no locking.
/// </summary>
public sealed class Backoff(TimeSpan? first = null, TimeSpan? max = null)
{
    private readonly TimeSpan _first = first ?? TimeSpan.FromMilliseconds(100);
    private readonly TimeSpan _max = max ?? TimeSpan.FromSeconds(5);
    private TimeSpan _next = TimeSpan.Zero;

    /// <summary>How many retries have been scheduled since the last <see cref="Reset"/>.</summary>
    public int Attempts { get; private set; }

    /// <summary>The delay before the next retry (and doubles the one after it).</summary>
    public TimeSpan Next()
    {
        _next = _next == TimeSpan.Zero ? _first : TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, _max.Ticks));
        Attempts++;
        return _next;
    }

    public void Reset()
    {
        _next = TimeSpan.Zero;
        Attempts = 0;
    }
}
