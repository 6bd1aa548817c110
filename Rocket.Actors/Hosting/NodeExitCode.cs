namespace Rocket.Hosting;

/// <summary>How a seed or broker process ends, for process managers and scripts.</summary>
public static class NodeExitCode
{
    /// <summary>Stopped because it was asked to (SIGTERM, Ctrl+C).</summary>
    public const int Stopped = 0;

    /// <summary>The configuration is broken, contradictory or names an unknown setting; nothing was started.</summary>
    public const int BadConfiguration = 2;

    /// <summary>The machine refuses what the configuration asks: the port is taken, the store directory unusable.</summary>
    public const int CannotStart = 3;

    /// <summary>Its cluster membership or actor system ended without being asked (see <see cref="MembershipEnd"/>).</summary>
    public const int MembershipEnded = 4;
}
