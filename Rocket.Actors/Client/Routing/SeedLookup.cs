using Akka.Actor;
using Rocket.Protocol;

namespace Rocket.Client.Routing;

/// <summary>Asks the seeds' name servers for a route, one seed after another, within one overall timeout.</summary>
internal static class SeedLookup
{
    /// <summary>Returns the answer and the index of the seed that gave it.</summary>
    public static async Task<(TopicRouteAnswer Answer, int SeedIndex)> AskRouteAsync(
        ActorSystem system, SeedAddress[] seeds, int firstSeed, string topic, TimeSpan timeout)
    {
        // Each seed gets an equal share, so that one silent seed cannot use up the whole budget.
        var perSeed = TimeSpan.FromTicks(Math.Max(timeout.Ticks / seeds.Length, TimeSpan.FromMilliseconds(200).Ticks));
        var deadline = DateTime.UtcNow + timeout;
        for (int i = 0; i < seeds.Length; i++)
        {
            int index = (firstSeed + i) % seeds.Length;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) break;
            try
            {
                var answer = await system.ActorSelection(seeds[index].NameServerPath)
                    .Ask<TopicRouteAnswer>(new GetTopicRoute(topic), left < perSeed ? left : perSeed).ConfigureAwait(false);
                return (answer, index);
            }
            catch (AskTimeoutException) { }
            catch (TaskCanceledException) { }
        }
        throw new RocketClientException(
            $"no seed reachable at {string.Join(", ", seeds)} (asked for the route of topic '{topic}', waited {timeout.TotalSeconds:0.#} s); " +
            "check that a seed or broker runs there and that rocket.client.seeds lists it");
    }
}
