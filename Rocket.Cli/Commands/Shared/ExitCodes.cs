namespace Rocket.Cli.Commands.Shared;

/// <summary>Exit codes other tools may rely on.</summary>
public static class ExitCodes
{
    /// <summary>Everything asked for happened.</summary>
    public const int Ok = 0;
    /// <summary>The verb ran but the outcome is bad: failed sends, missing messages, a broker refused, the topic asked about does not exist.</summary>
    public const int Failed = 1;
    /// <summary>The command line is wrong (unknown option, bad value); nothing was attempted.</summary>
    public const int Usage = 2;
    /// <summary>The cluster could not be used: no seed reachable, no live master, client error.</summary>
    public const int Unavailable = 3;
    /// <summary>Stopped by Ctrl+C / SIGTERM before finishing.</summary>
    public const int Interrupted = 130;
}
