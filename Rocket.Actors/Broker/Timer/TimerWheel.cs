using System.Runtime.InteropServices;

namespace Rocket.Broker.Timer;

/// <summary>
/// The time wheel: one head per slot of <c>timer-precision-ms</c>, the newest timer-log record waiting in that slot
/// (as position + 1; 0 = empty). Records of a slot link to each other through the log, so the wheel holds 8 bytes
/// per slot whatever the number of timers. Slot <c>s</c> lives at index <c>s mod SlotCount</c>; the wheel spans
/// twice the longest delay, so a later lap sharing an index is rare (and is re-linked when met, see
/// <see cref="TimerEngine"/>). Derived data: rebuilt from the log at every start, never written to disk.
/// The memory is zeroed by the OS on first touch, so an idle wheel costs no resident memory.
/// </summary>
public sealed unsafe class TimerWheel : IDisposable
{
    private long* _heads;

    public TimerWheel(long slotCount)
    {
        if (slotCount <= 0) throw new ArgumentOutOfRangeException(nameof(slotCount), "a wheel needs at least one slot");
        SlotCount = slotCount;
        _heads = (long*)NativeMemory.AllocZeroed((nuint)slotCount, sizeof(long));
    }

    /// <summary>Slots for timers up to <paramref name="maxDelayMs"/> ahead at <paramref name="precisionMs"/>: two laps.</summary>
    public static long SlotsFor(long maxDelayMs, int precisionMs) => 2 * (maxDelayMs / precisionMs + 1);

    public long SlotCount { get; }

    public long Head(long slot) => _heads[Index(slot)];

    public void SetHead(long slot, long link) => _heads[Index(slot)] = link;

    private long Index(long slot)
    {
        long index = slot % SlotCount;
        return index < 0 ? index + SlotCount : index;
    }

    public void Dispose()
    {
        if (_heads is null) return;
        NativeMemory.Free(_heads);
        _heads = null;
    }
}
