using Rocket.Protocol;

namespace Rocket.Client.Routing;

/// <summary>Asks the route cache for a topic; <paramref name="Refresh"/> bypasses the cached answer.</summary>
internal sealed record GetRoute(string Topic, bool Refresh, TaskCompletionSource<TopicRouteAnswer> Reply);

/// <summary>A send to this topic failed: fetch its route again in the background.</summary>
internal sealed record RefreshRoute(string Topic);

internal sealed record RouteFetched(string Topic, TopicRouteAnswer Answer, int SeedIndex);

internal sealed record RouteFetchFailed(string Topic, Exception Error);
