namespace Rocket.Client.Producing;

/// <summary>
/// Produce request ids, unique in the process: a data channel carries the broker sender's requests and the direct
/// sends' (<see cref="DirectChannel"/>) side by side, and its answers are told apart by id alone.
/// </summary>
internal static class ProduceRequestIds
{
    private static long _last;

    public static long Next() => Interlocked.Increment(ref _last);
}
