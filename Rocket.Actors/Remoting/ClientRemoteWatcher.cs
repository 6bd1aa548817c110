using Akka.Actor;
using Akka.Event;
using Akka.Remote;

namespace Rocket.Remoting;

/// <summary>
/// Remote death watch for a client, which is no cluster member: a broker that stops answering heartbeats has its watched
/// actors reported terminated, as with Akka's watcher, but its incarnation is not quarantined. Akka's watcher quarantines,
/// and a quarantine is for good: a broker that was only paused a few seconds (a long GC, a stalled VM, a restart that
/// answered one heartbeat and then was slow) was never reachable from this client again until one of them restarted,
/// although the cluster kept it. Here the links that watched it resolve it again, watch it anew and carry on.
/// </summary>
internal sealed class ClientRemoteWatcher(IFailureDetectorRegistry<Address> detector, TimeSpan heartbeatInterval,
    TimeSpan reaperInterval, TimeSpan expectedResponseAfter) : RemoteWatcher(detector, heartbeatInterval, reaperInterval, expectedResponseAfter)
{
    protected override void Quarantine(Address address, int? addressUid) =>
        Log.Warning("{0} stopped answering heartbeats; the actors watched there count as terminated (not quarantined: it may be back)", address);
}
