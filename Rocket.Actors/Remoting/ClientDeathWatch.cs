using Akka.Actor;
using Akka.Remote;

namespace Rocket.Remoting;

/// <summary>
/// How a broker actor follows the client actors it serves (consumers, transaction checkers) without quarantining them.
/// Akka's remote death watch quarantines a watched process once its heartbeats stop for the failure detector's pause
/// (4 s), and a quarantine lasts until one side restarts: a consumer paused for a few seconds (a long GC, a stalled VM,
/// a debugger) never reached this broker again, although it was alive and sent its heartbeats (a <c>rocket consume</c>
/// stopped for 8 s with SIGSTOP received nothing after it resumed). So a client in another process is not watched:
/// the actor hears when the connection to that process closes (a killed process's sockets are reset at once) and
/// forgets clients whose heartbeats stop (consumer-expiry). A client actor in this actor system (an embedded client,
/// tests) is watched as before: local death watch quarantines nothing.
/// </summary>
internal static class ClientDeathWatch
{
    /// <summary>From the actor's PreStart: it receives a <see cref="DisassociatedEvent"/> whenever a connection closes.</summary>
    public static void Start(IActorContext context) => context.System.EventStream.Subscribe(context.Self, typeof(DisassociatedEvent));

    /// <summary>Watches <paramref name="client"/> if it is local; a remote one is followed by its connection (see the class).</summary>
    public static void Watch(IActorContext context, IActorRef client)
    {
        if (IsLocal(client)) context.Watch(client);
    }

    public static void Unwatch(IActorContext context, IActorRef client)
    {
        if (IsLocal(client)) context.Unwatch(client);
    }

    /// <summary>Whether <paramref name="client"/> lives in the process whose connection <paramref name="closed"/> reports.</summary>
    public static bool IsIn(IActorRef client, DisassociatedEvent closed) => client.Path.Address.Equals(closed.RemoteAddress);

    private static bool IsLocal(IActorRef client) => client.Path.Address.HasLocalScope;
}
