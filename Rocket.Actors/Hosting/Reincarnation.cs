namespace Rocket.Hosting;

/// <summary>
/// A node that could not join within <c>akka.cluster.shutdown-after-unsuccessful-join-seed-nodes</c> starts again in
/// the same process as a new incarnation (new UID, new connections), as a process manager would restart it (issue 7,
/// see docs/restart.md).
/// </summary>
public static class Reincarnation
{
    /// <summary>
    /// Runs incarnations until one ends with an exit code (<paramref name="runIncarnation"/> returns null when its node
    /// could not join and should start again; its argument is the incarnation number, 1 first).
    /// </summary>
    public static async Task<int> RunAsync(NodeRole role, Akka.Configuration.Config config, Func<int, Task<int?>> runIncarnation)
    {
        for (int incarnation = 1; ; incarnation++)
        {
            if (await runIncarnation(incarnation) is { } exitCode) return exitCode;
            await Console.Error.WriteLineAsync($"rocket {role.ToString().ToLowerInvariant()}: {MembershipEnd.JoinTimedOutMessage(config)}; starting again as a new incarnation (attempt {incarnation + 1})");
        }
    }
}
