using Rocket.Broker.Timer;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Timer;

/// <summary>The timer engine's rules: slots taken in order, timers handed out once, rolls, recovery from the checkpoint.</summary>
public sealed class TimerEngineTests : IDisposable
{
    private const long Now = 1_700_000_000_000;
    private readonly TempDirectory _dir = new("timer-engine");
    private readonly List<string> _warnings = new();
    private static readonly TimerSettings Settings = new() { MaxDelaySec = 10, PrecisionMs = 100 };

    private TimerEngine Open(long now = Now, int recordsPerSegment = 64)
    {
        var engine = new TimerEngine(_dir.Path, Settings, _warnings.Add, recordsPerSegment);
        engine.Open(now);
        return engine;
    }

    private static List<TimerRecord> TakeThrough(TimerEngine engine, long dueMs)
    {
        var taken = new List<TimerRecord>();
        while (engine.Cursor <= engine.SlotOf(dueMs)) taken.AddRange(engine.TakeNext());
        return taken;
    }

    [Fact]
    public void Timers_come_out_of_their_own_slot_and_not_before()
    {
        using var engine = Open();
        Assert.Equal(engine.SlotOf(Now), engine.Cursor);
        Assert.False(engine.Add(Now + 250, 1, 10, out _));
        Assert.False(engine.Add(Now + 1_000, 2, 10, out _));
        Assert.False(engine.Add(Now + 299, 3, 10, out _));
        Assert.Equal(3, engine.Waiting);

        Assert.Empty(TakeThrough(engine, Now + 199));
        var slot2 = TakeThrough(engine, Now + 299);
        Assert.Equal([1L, 3L], slot2.Select(r => r.LogOffset).Order());
        Assert.Equal([2L], TakeThrough(engine, Now + 1_000).Select(r => r.LogOffset));
        Assert.Equal(0, engine.Waiting);
    }

    [Fact]
    public void A_timer_whose_slot_was_already_taken_is_handed_back_to_the_caller()
    {
        using var engine = Open();
        TakeThrough(engine, Now + 500);
        Assert.True(engine.Add(Now + 100, 7, 10, out var late));
        Assert.Equal(engine.Cursor - 1, late.Slot);
        Assert.Equal(Now + 100, late.DueMs);
        Assert.Equal(0, engine.Waiting);
    }

    [Fact]
    public void A_timer_of_a_later_lap_sharing_a_wheel_index_is_rolled_and_comes_out_in_its_own_slot()
    {
        using var engine = Open();
        long lap = new TimerWheel(TimerWheel.SlotsFor(Settings.MaxDelayMs, Settings.PrecisionMs)).SlotCount * Settings.PrecisionMs;
        Assert.False(engine.Add(Now + 100, 1, 10, out _));
        Assert.False(engine.Add(Now + 100 + lap, 2, 10, out _)); // same wheel index, one lap later
        Assert.Equal([1L], TakeThrough(engine, Now + 100).Select(r => r.LogOffset));
        Assert.Equal(1, engine.Waiting);
        Assert.Equal([2L], TakeThrough(engine, Now + 100 + lap).Select(r => r.LogOffset));
    }

    [Fact]
    public void After_a_restart_every_timer_of_a_slot_not_done_comes_out_again_and_done_slots_do_not()
    {
        long doneSlot;
        using (var engine = Open())
        {
            for (int i = 0; i < 50; i++) engine.Add(Now + 100 + i * 20, i, 10, out _);
            var first = TakeThrough(engine, Now + 400); // slots up to Now+400 taken
            Assert.Equal(20, first.Count); // due Now+100..Now+480
            doneSlot = engine.SlotOf(Now + 300); // say the timers of slots before Now+300 were acknowledged
            engine.Checkpoint(enqueueOffset: 50, dequeuedSlot: doneSlot);
        } // a crash here loses nothing on disk: the log is flushed by the checkpoint, the wheel is rebuilt

        using var reopened = Open(Now + 350);
        Assert.Equal(new TimerCheckpoint(50, doneSlot), reopened.Recovered);
        var again = TakeThrough(reopened, Now + 2_000);
        var expected = Enumerable.Range(0, 50).Where(i => reopened.SlotOf(Now + 100 + i * 20) >= doneSlot).Select(i => (long)i);
        Assert.Equal(expected, again.Select(r => r.LogOffset).Order());
        Assert.Empty(_warnings);
    }

    [Fact]
    public void A_timer_added_twice_after_a_restart_from_an_older_enqueue_offset_is_handed_out_once()
    {
        using (var engine = Open()) engine.Add(Now + 500, 9, 10, out _); // no checkpoint: the queue is read again
        using var reopened = Open();
        reopened.Add(Now + 500, 9, 10, out _);
        Assert.Equal(2, reopened.Waiting);
        Assert.Equal([9L], TakeThrough(reopened, Now + 500).Select(r => r.LogOffset));
    }

    [Fact]
    public void Segments_whose_timers_are_all_done_are_deleted_at_a_checkpoint()
    {
        using var engine = Open(recordsPerSegment: 8);
        for (int i = 0; i < 40; i++) engine.Add(Now + 100 + i * 10, i, 10, out _); // 5 segments
        Assert.Equal(5, engine.Log.Segments.Count);
        TakeThrough(engine, Now + 300);
        engine.Checkpoint(40, engine.SlotOf(Now + 300)); // slots before Now+300 done: the first two segments hold timers due up to Now+250
        Assert.Equal(3, engine.Log.Segments.Count);
        Assert.Equal(2 * 8 * TimerRecord.Length, engine.Log.MinOffset);
        var rest = TakeThrough(engine, Now + 1_000);
        Assert.Equal(Enumerable.Range(30, 10).Select(i => (long)i), rest.Select(r => r.LogOffset).Order()); // due Now+400..490
    }

    public void Dispose() => _dir.Dispose();
}
