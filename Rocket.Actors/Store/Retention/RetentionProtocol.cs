namespace Rocket.Store.Retention;

/// <summary>
/// Journal → retention: finish the pass under way, answer <see cref="RetentionHeld"/>, then start no other until
/// <see cref="ResumeRetention"/>. The journal holds retention while work changes the log and the projections together
/// (a replica's truncation), which a segment deletion must not interleave with.
/// </summary>
internal sealed class HoldRetention
{
    public static readonly HoldRetention Instance = new();
    private HoldRetention() { }
}

internal sealed class RetentionHeld
{
    public static readonly RetentionHeld Instance = new();
    private RetentionHeld() { }
}

internal sealed class ResumeRetention
{
    public static readonly ResumeRetention Instance = new();
    private ResumeRetention() { }
}
