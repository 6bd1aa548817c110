namespace Rocket.Store.Projection;

/// <summary>Tells the projector that the log (or its flushed end) moved.</summary>
internal sealed class ProjectorWake
{
    public static readonly ProjectorWake Instance = new();
    private ProjectorWake() { }
}

/// <summary>
/// Journal → projector: run <paramref name="Work"/> on the projector's thread and answer <see cref="ExclusiveDone"/>
/// with its result (<paramref name="Failed"/>'s if it throws). The journal holds every other write meanwhile, so the
/// work may change the log and the projections together (a replica's truncation).
/// </summary>
internal sealed record ExclusiveWork(Func<object> Work, Func<Exception, object> Failed);

internal sealed record ExclusiveDone(object Reply);

/// <summary>
/// Retention → projector, after commit-log segments went: take the expired consume-queue and key-index files out of
/// the projections and answer them as <see cref="ExpiredProjectionFiles"/>, for retention to delete.
/// </summary>
internal sealed class DetachExpiredProjectionFiles
{
    public static readonly DetachExpiredProjectionFiles Instance = new();
    private DetachExpiredProjectionFiles() { }
}
