using System.Globalization;
using HdrHistogram;
using Rocket.Client;
using Rocket.Protocol;

namespace Rocket.Cli.Commands.Shared;

/// <summary>
/// Lateness of messages that carry a due time (TIMER_OUT_MS, stamped by the broker on every timer or delay-level
/// delivery): receive time minus due time, in ms; a message received before its due time counts as early.
/// Thread-safe (handlers run on several threads).
/// </summary>
public sealed class DueTally
{
    private readonly LongConcurrentHistogram _lateness = new(1, 3_600_000_000, 3); // ms + 1 (0 ms late is recordable)
    private long _early;

    public long Count => _lateness.TotalCount + Interlocked.Read(ref _early);
    public long Early => Interlocked.Read(ref _early);

    public void Record(ReceivedMessage message, long receivedMs)
    {
        if (!message.Properties.TryGetValue(MessageProperties.TimerOutMs, out var text)
            || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long dueMs)) return;
        long late = receivedMs - dueMs;
        if (late < 0) Interlocked.Increment(ref _early);
        else _lateness.RecordValue(Math.Min(late, 3_600_000_000 - 1) + 1);
    }

    /// <summary>Lateness percentile in ms over the messages not early; null when none carried a due time.</summary>
    public double? LatenessMs(double percentile) => _lateness.TotalCount == 0 ? null : _lateness.GetValueAtPercentile(percentile) - 1;

    public double? MaxLatenessMs => _lateness.TotalCount == 0 ? null : _lateness.GetMaxValue() - 1;
}
