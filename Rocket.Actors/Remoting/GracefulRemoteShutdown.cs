using System.Reflection;
using Akka.Actor;

namespace Rocket.Remoting;

/// <summary>
/// Closes a process's remote associations the way a clean shutdown should, before its actor system terminates (the
/// client on dispose, seed and broker nodes in coordinated shutdown).
/// Why: Akka.Remote's own shutdown stops every endpoint writer (each writer's last act is asking its protocol actor to
/// send a "disassociate: shutting down" frame) and then closes all TCP channels at once. The frame is written by another
/// actor, so it can lose that race; the broker or seed then sees a bare TCP close, takes it for a failure and logs an
/// ERROR "Disassociated" with a stack trace for a process that left cleanly. Here the process stops its endpoints first
/// (with the same FlushAndStop message Akka's shutdown sends) and waits until every protocol actor has handed its frame
/// to the transport (each stops right after), so the channels close only behind the frames.
/// </summary>
internal static class GracefulRemoteShutdown
{
    // Akka.Remote keeps the message internal; it is the documented step of its own graceful shutdown (EndpointManager).
    private static readonly object? FlushAndStop = Type.GetType("Akka.Remote.EndpointWriter+FlushAndStop, Akka.Remote")
        ?.GetProperty("Instance", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);

    /// <summary>
    /// Stops the endpoints (first the user actors when <paramref name="stopUserActors"/>: no new remote traffic from their
    /// timers or watches); waits at most <paramref name="timeout"/>.
    /// </summary>
    /// <returns>Null when every association closed cleanly, else why not (for a warning).</returns>
    public static async Task<string?> CloseAsync(ActorSystem system, TimeSpan timeout, bool stopUserActors)
    {
        if (FlushAndStop is null) return "this Akka.Remote version has no EndpointWriter.FlushAndStop; associations close abruptly";
        var deadline = DateTime.UtcNow + timeout;
        try
        {
            // Our actors first: their timers (route refresh, heartbeats) and remote watches would open associations again.
            if (stopUserActors)
                await StopAllAsync(await ChildrenOfAsync(system, "/user", timeout).ConfigureAwait(false), null, timeout).ConfigureAwait(false);
            // A stopped actor's remote watches end in the remote watcher, which then tells each watched node over its
            // association; one question to it, answered after what is queued before it, lets those go out before the
            // associations close. Later, the watcher opened a new association for them and closing it mid-handshake
            // left it open until the system terminated (about one client close in three, from the rocket tool).
            await system.ActorSelection("/system/remote-watcher").Ask<Akka.Remote.RemoteWatcher.Stats>(Akka.Remote.RemoteWatcher.Stats.Empty,
                Positive(deadline - DateTime.UtcNow)).ConfigureAwait(false);
            var endpointManager = await system.ActorSelection("/system/endpointManager").ResolveOne(timeout).ConfigureAwait(false);
            var protocolManagers = await ChildrenOfAsync(system, "/system/transports", timeout).ConfigureAwait(false);
            var stopped = new HashSet<IActorRef>();
            while (true)
            {
                // Every endpoint, and again any that opens meanwhile: an association can open after the first round,
                // e.g. for a remote watch our stopped actors just dropped (the client watches its brokers), and it would
                // stay open until the system terminated, which the peer logs as an error.
                var opened = Children(endpointManager).Where(e => !stopped.Contains(e)).ToArray();
                stopped.UnionWith(opened);
                if (opened.Length > 0) await StopAllAsync(opened, FlushAndStop, Positive(deadline - DateTime.UtcNow)).ConfigureAwait(false);
                if (!protocolManagers.Any(m => Children(m).Any()) && !Children(endpointManager).Any()) return null;
                if (DateTime.UtcNow >= deadline)
                    return $"remote associations still open after {timeout.TotalSeconds:0.#} s: " +
                        string.Join(", ", protocolManagers.SelectMany(Children).Select(c => c.Path.Name));
                await Task.Delay(10).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or ActorNotFoundException)
        {
            return $"remote associations not closed cleanly: {e.Message}";
        }
    }

    private static IEnumerable<IActorRef> Children(IActorRef actor) => actor is ActorRefWithCell withCell ? withCell.Children : [];

    private static TimeSpan Positive(TimeSpan left) => left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);

    private static async Task<IActorRef[]> ChildrenOfAsync(ActorSystem system, string path, TimeSpan timeout)
    {
        var parent = await system.ActorSelection(path).ResolveOne(timeout).ConfigureAwait(false);
        return Children(parent).ToArray();
    }

    private static Task StopAllAsync(IEnumerable<IActorRef> actors, object? stopMessage, TimeSpan timeout) =>
        Task.WhenAll(actors.Select(a => stopMessage is null ? a.GracefulStop(timeout) : a.GracefulStop(timeout, stopMessage)));
}
