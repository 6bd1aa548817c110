using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Rocket.Cli.Commands.Shared;

/// <summary>
/// Waits until a point in time with sub-millisecond precision, for fixed-rate sending. Timer-based waits
/// (<c>Task.Delay</c>) fire every few milliseconds here, which turned 5k msgs/s into bursts of 20 messages and measured
/// the bursts' queueing rather than the broker. Long waits sleep in whole milliseconds; the last one uses the OS's
/// microsecond sleep (Linux, macOS), so the thread does not spin and take a core from the broker.
/// </summary>
public static partial class Pacer
{
    private static readonly long TicksPerMs = Stopwatch.Frequency / 1000;
    private static readonly bool HasMicroSleep = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    /// <summary>Blocks the calling (dedicated) thread until <paramref name="dueTimestamp"/> (a Stopwatch timestamp).</summary>
    public static void WaitUntil(long dueTimestamp)
    {
        while (true)
        {
            long remaining = dueTimestamp - Stopwatch.GetTimestamp();
            if (remaining <= 0) return;
            if (remaining > 2 * TicksPerMs || !HasMicroSleep) Thread.Sleep(remaining > TicksPerMs ? 1 : 0);
            else
            {
                _ = usleep((uint)(remaining * 1_000_000 / Stopwatch.Frequency));
                return;
            }
        }
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int usleep(uint microseconds);
}
