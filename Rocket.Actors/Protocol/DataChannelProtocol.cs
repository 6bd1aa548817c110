namespace Rocket.Protocol;

/// <summary>
/// A client asks a broker (over Akka.Remote) where its data channel listens: the plain TCP connection that carries
/// produce requests and their results in Rocket's wire format, without Akka.Remote's per-message copies and
/// envelopes. Answered with <see cref="DataChannelOffer"/> or <see cref="DataChannelRefused"/>.
/// </summary>
public sealed record DataChannelQuery : IRocketMessage
{
    public static readonly DataChannelQuery Instance = new();
}

/// <summary>The data channel listens on <paramref name="Port"/> of the host in the broker's own address.</summary>
public sealed record DataChannelOffer(int Port) : IRocketMessage;

/// <summary>This broker has no data channel (turned off, or it could not listen); produce goes over Akka.Remote.</summary>
public sealed record DataChannelRefused(string Reason) : IRocketMessage;
