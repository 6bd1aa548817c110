using Rocket.Settings;

namespace Rocket.Broker.Timer;

/// <summary>Timer-message settings of a broker (<c>rocket.broker.timer-*</c>), RocketMQ 5's names and meanings.</summary>
public sealed record TimerSettings
{
    /// <summary>Longest delay a timer message may ask for; beyond it the send is refused. [timerMaxDelaySec]</summary>
    public long MaxDelaySec { get; init; } = 259200;

    /// <summary>Width of one time-wheel slot: timers are taken from disk a slot at a time. [timerPrecisionMs]</summary>
    public int PrecisionMs { get; init; } = 100;

    /// <summary>Dispatcher of the timer actor, which does the timer files' blocking I/O on its own thread.</summary>
    public string Dispatcher { get; init; } = "rocket.broker.timer-thread";

    public long MaxDelayMs => MaxDelaySec * 1000;

    internal static TimerSettings Read(SettingsReader r) => new()
    {
        MaxDelaySec = r.Long("timer-max-delay-sec", 1, 10L * 365 * 86400),
        PrecisionMs = r.Int("timer-precision-ms", 10, 60_000),
        Dispatcher = r.Dispatcher("timer-dispatcher"),
    };
}
