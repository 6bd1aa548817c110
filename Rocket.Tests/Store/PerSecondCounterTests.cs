using Rocket.Store.Stats;
using Xunit;

namespace Rocket.Tests.Store;

public class PerSecondCounterTests
{
    private long _now = 1_800_000_000;

    [Fact]
    public void The_last_minute_sums_the_60_whole_seconds_before_now_and_nothing_else()
    {
        var counter = new PerSecondCounter(() => _now);
        counter.Add(5);                  // second s0 (still current: not counted yet)
        Assert.Equal(0, counter.LastMinute());
        _now++;
        counter.Add(7);                  // s0 + 1
        Assert.Equal(5, counter.LastMinute());
        _now += 59;                      // s0 is now 60 s ago: still in the window
        Assert.Equal(12, counter.LastMinute());
        _now++;                          // s0 leaves the window
        Assert.Equal(7, counter.LastMinute());
        Assert.Equal(7 / 60.0, counter.PerSecond(), 6);
    }

    [Fact]
    public void A_slot_reused_after_the_ring_wrapped_starts_from_zero()
    {
        var counter = new PerSecondCounter(() => _now);
        counter.Add(100);
        _now += 64;                      // same slot, a second 64 s later
        counter.Add(3);
        _now++;
        Assert.Equal(3, counter.LastMinute());
    }

    [Fact]
    public void Zero_and_negative_counts_add_nothing()
    {
        var counter = new PerSecondCounter(() => _now);
        counter.Add(0);
        counter.Add(-4);
        _now++;
        Assert.Equal(0, counter.LastMinute());
    }

    [Fact]
    public void Concurrent_adds_from_many_threads_lose_nothing_across_second_changes()
    {
        long now = _now;
        var counter = new PerSecondCounter(() => Volatile.Read(ref now));
        const int threads = 4, adds = 50_000;
        using var start = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < adds; i++) counter.Add(1);
        })).ToArray();
        foreach (var w in workers) w.Start();
        start.SignalAndWait();
        for (int i = 0; i < 20 && workers.Any(w => w.IsAlive); i++)
        {
            Interlocked.Increment(ref now); // the second moves on while the threads add
            Thread.Sleep(1);
        }
        foreach (var w in workers) w.Join();
        Interlocked.Increment(ref now);
        Assert.Equal((long)threads * adds, counter.LastMinute());
    }
}
