namespace Rocket.Client.Producing;

/// <summary>
/// Pull request ids, unique in the process: the pullers of all consumers share a broker's data channel, whose
/// <see cref="ChannelPulls"/> table finds each answer's puller by the id alone, so neither the request nor the answer
/// has to be copied under another id.
/// </summary>
internal static class PullRequestIds
{
    private static long _last;

    public static long Next() => Interlocked.Increment(ref _last);
}
