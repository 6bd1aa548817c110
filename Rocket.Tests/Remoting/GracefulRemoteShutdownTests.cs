using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Rocket.Remoting;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Remoting;

/// <summary>A closing process closes its remote associations itself, including for what its stopped actors' remote watches still owe.</summary>
public sealed class GracefulRemoteShutdownTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(Remote, "server", output)
{
    private static readonly Config Remote = ConfigurationFactory.ParseString("""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.log-dead-letters = off
        """);

    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef watched)
        {
            Context.Watch(watched);
            ReceiveAny(_ => Sender.Tell("watching"));
        }
    }

    [Fact]
    public async Task A_remote_watch_that_the_remote_watcher_drops_late_goes_out_before_the_associations_close()
    {
        var watched = Sys.ActorOf(Props.Create(() => new EchoActor()), "watched");
        var address = ((ExtendedActorSystem)Sys).Provider.DefaultAddress;
        var client = ActorSystem.Create("client", Remote);
        try
        {
            var remote = await client.ActorSelection(new RootActorPath(address) / "user" / "watched").ResolveOne(TimeSpan.FromSeconds(10));
            var watcher = client.ActorOf(Props.Create(() => new Watcher(remote)), "watcher");
            Assert.Equal("watching", await watcher.Ask<string>("ready?", TimeSpan.FromSeconds(10)));

            // The remote watcher is busy when the watching actor stops, so it drops the watch (and tells the server) only
            // after the associations' first round of closing, as it sometimes is in a process that has just started.
            var remoteWatcher = client.ActorSelection("/system/remote-watcher");
            for (int i = 0; i < 50_000; i++) remoteWatcher.Tell(Akka.Remote.RemoteWatcher.Stats.Empty, ActorRefs.NoSender);
            var clock = Stopwatch.StartNew();
            var problem = await GracefulRemoteShutdown.CloseAsync(client, TimeSpan.FromSeconds(15), stopUserActors: true);
            Output?.WriteLine($"closed in {clock.Elapsed}: {problem ?? "cleanly"}");
            Assert.Null(problem);

            // Had the watch been dropped after the close, the remote watcher would have told the server since, opening a
            // new association: once it has handled everything, and the endpoint manager everything that sent it, none is open.
            await remoteWatcher.Ask<Akka.Remote.RemoteWatcher.Stats>(Akka.Remote.RemoteWatcher.Stats.Empty, TimeSpan.FromSeconds(30));
            var endpointManager = (await client.ActorSelection("/system/endpointManager").Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(10))).Subject;
            Assert.Empty(((ActorRefWithCell)endpointManager!).Children);
        }
        finally
        {
            await client.Terminate();
        }
    }

    private sealed class EchoActor : ReceiveActor
    {
        public EchoActor() => ReceiveAny(m => Sender.Tell(m));
    }
}
