using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// A puller's pull for the broker sender actor to carry when the puller could not post it directly
/// (<see cref="BrokerSender.TryPull"/>): over the data channel when it is open (the answer goes straight to the
/// puller), else over Akka.Remote with the puller as the sender. <paramref name="PullerPath"/> is the puller's full
/// path (with this client's address): the broker's group view names a queue's owner by it.
/// </summary>
internal sealed record ChannelPull(PullRequest Request, string PullerPath);

/// <summary>Asks a broker sender for its counters (tests, diagnostics); answered with <see cref="BrokerSenderStats"/>.</summary>
internal sealed record GetBrokerSenderStats
{
    public static readonly GetBrokerSenderStats Instance = new();
}

/// <param name="InFlightRequests">Requests awaiting their answer, direct sends included.</param>
/// <param name="RequestsOverDataChannel">Of <paramref name="RequestsSent"/>, those sent over the broker's data channel.</param>
/// <param name="DataChannelOpen">Whether the data channel is connected now.</param>
/// <param name="PullsOverDataChannel">Pulls carried over the data channel.</param>
/// <param name="DirectSends">Of <paramref name="RequestsOverDataChannel"/>, the sends posted without the actor (<see cref="DirectChannel"/>).</param>
/// <param name="DirectPulls">Of <paramref name="PullsOverDataChannel"/>, the pulls posted without the actor.</param>
internal sealed record BrokerSenderStats(int InFlightRequests, int QueuedSends, long RequestsSent, long RequestsOverDataChannel = 0,
    bool DataChannelOpen = false, long PullsOverDataChannel = 0, long DirectSends = 0, long DirectPulls = 0);

/// <summary>
/// The data channel that carried pull <paramref name="RequestId"/> closed before its answer came: the puller pulls
/// again at once (over Akka.Remote until the channel is back) instead of waiting out the pull timeout.
/// </summary>
internal sealed record PullChannelLost(long RequestId, string Reason);
