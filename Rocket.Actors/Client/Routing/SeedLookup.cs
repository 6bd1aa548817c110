using Akka.Actor;
using Rocket.Protocol;
using Rocket.Remoting;

namespace Rocket.Client.Routing;

/// <summary>Asks the seeds' name servers for a route, one seed after another, within one overall timeout.</summary>
internal static class SeedLookup
{
    /// <summary>Returns the answer and the index of the seed that gave it.</summary>
    public static async Task<(TopicRouteAnswer Answer, int SeedIndex)> AskRouteAsync(
        ActorSystem system, SeedAddress[] seeds, int firstSeed, string topic, TimeSpan timeout)
    {
        // The seeds are asked in turn at equal intervals, each ask alive until the end: a silent seed cannot use up the
        // whole budget, and with fewer seeds than attempts a seed is asked again (a query lost on a gated connection is
        // never answered), while a slow answer still counts.
        int attempts = Math.Max(seeds.Length, RepeatedAsk.Attempts);
        try
        {
            var (answer, attempt) = await RepeatedAsk.AskAnyAsync<TopicRouteAnswer>(
                i => system.ActorSelection(seeds[(firstSeed + i) % seeds.Length].NameServerPath), new GetTopicRoute(topic), timeout, attempts)
                .ConfigureAwait(false);
            return (answer, (firstSeed + attempt) % seeds.Length);
        }
        catch (AskTimeoutException) { }
        catch (TaskCanceledException) { }
        throw new RocketClientException(
            $"no seed reachable at {string.Join(", ", seeds)} (asked for the route of topic '{topic}', waited {timeout.TotalSeconds:0.#} s); " +
            "check that a seed or broker runs there and that rocket.client.seeds lists it");
    }
}
