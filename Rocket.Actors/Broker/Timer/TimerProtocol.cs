namespace Rocket.Broker.Timer;

/// <summary>Asks the timer actor for its <see cref="TimerStatus"/> (tests, diagnostics).</summary>
public sealed class GetTimerStatus
{
    public static readonly GetTimerStatus Instance = new();
    private GetTimerStatus() { }
}

/// <param name="EnqueueOffset">Next offset of the timer topic's queue not yet in the timer log.</param>
/// <param name="Cursor">Next wheel slot to take.</param>
/// <param name="DequeuedSlot">First slot not known to be delivered (the durable progress once saved).</param>
/// <param name="Waiting">Timers on disk in the wheel, not yet taken.</param>
/// <param name="Due">Timers taken from the wheel, waiting in memory for their due time or a delivery slot.</param>
/// <param name="InFlight">Timers handed to the journal, not yet acknowledged.</param>
/// <param name="Delivered">Timers delivered (or dropped with a warning) since start.</param>
public sealed record TimerStatus(long EnqueueOffset, long Cursor, long DequeuedSlot, long Waiting, int Due, int InFlight, long Delivered);

/// <summary>Asks the timer actor (through the broker) where it stands, for a slave's copy; answered with <see cref="TimerProgressAnswer"/>.</summary>
public sealed class GetTimerProgress
{
    public static readonly GetTimerProgress Instance = new();
    private GetTimerProgress() { }
}

/// <summary><paramref name="Progress"/> is null when the broker runs no timer service (a slave).</summary>
public sealed record TimerProgressAnswer(Rocket.Protocol.ReplicaTimerProgress? Progress);
