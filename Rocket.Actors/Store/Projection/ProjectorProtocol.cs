namespace Rocket.Store.Projection;

/// <summary>Tells the projector that the log (or its flushed end) moved.</summary>
internal sealed class ProjectorWake
{
    public static readonly ProjectorWake Instance = new();
    private ProjectorWake() { }
}
