using Rocket.Protocol;

namespace Rocket.DataChannel;

/// <summary>A pull on the data channel: the request and the full path (with address) of the client's puller actor.</summary>
internal sealed record PullFrame(string PullerPath, PullRequest Request);
