namespace Rocket.Client.Producing;

/// <summary>
/// One-way sends still on their way (route look-up, coalescing, the broker's answer). A one-way send reports nothing,
/// but it must not vanish because the process closed its client right after sending (a CLI does exactly that):
/// disposing the client waits for them, at most the send timeout. Counting, not collecting, keeps a send allocation-free.
/// </summary>
internal sealed class OneWaySends
{
    private int _inFlight;

    public int InFlight => Volatile.Read(ref _inFlight);

    public void Track(Task send)
    {
        Interlocked.Increment(ref _inFlight);
        if (send.IsCompleted) Done(send, this);
        else send.ContinueWith(static (t, state) => Done(t, (OneWaySends)state!), this, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static void Done(Task send, OneWaySends sends)
    {
        _ = send.Exception; // observed: a one-way send's failure is logged where it happens, never thrown
        Interlocked.Decrement(ref sends._inFlight);
    }

    /// <summary>Waits until none is in flight or <paramref name="timeout"/> passed; returns how many are left.</summary>
    public async Task<int> DrainAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (InFlight > 0 && DateTime.UtcNow < deadline) await Task.Delay(5).ConfigureAwait(false);
        return InFlight;
    }
}
