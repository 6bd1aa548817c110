using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;
using Akka.Remote;

namespace Rocket.Remoting;

/// <summary>
/// The client's remote provider (<c>akka.actor.provider</c> in Client/client.conf): Akka's remote provider with a watcher
/// that does not quarantine (<see cref="ClientRemoteWatcher"/>).
/// </summary>
public sealed class ClientActorRefProvider(string systemName, Akka.Actor.Settings settings, EventStream eventStream)
    : RemoteActorRefProvider(systemName, settings, eventStream)
{
    /// <summary>Akka's watcher setup (same failure detector, intervals, dispatcher and name), with the client's watcher class.</summary>
    protected override IActorRef CreateRemoteWatcher(ActorSystemImpl system)
    {
        var detector = CreateRemoteWatcherFailureDetector(system);
        var remote = RemoteSettings;
        return system.SystemActorOf(remote.ConfigureDispatcher(Props.Create(() => new ClientRemoteWatcher(detector,
            remote.WatchHeartBeatInterval, remote.WatchUnreachableReaperInterval, remote.WatchHeartbeatExpectedResponseAfter))), "remote-watcher");
    }
}
