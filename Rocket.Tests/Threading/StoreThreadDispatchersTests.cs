using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Rocket.Settings;
using Xunit;

namespace Rocket.Tests.Threading;

/// <summary>
/// The dispatchers reference.conf gives the journal, flush, retention and timer actors, the metadata
/// database's writes and backups, and the dedicated thread a projector can be given. Each must run its actors on its own
/// named thread: the flush and timer actors block in msync, retention in unlink and the metadata writes in fsync, which
/// must never hold a thread-pool thread.
/// Akka.NET's HOCON once dropped the executor line of every block but the journal's (written as
/// <c>${rocket.store.journal-thread} { thread-name = ... }</c>), and those actors ran on the thread pool unnoticed.
/// </summary>
public sealed class StoreThreadDispatchersTests()
    : TestKit(ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(RocketConfig.Reference))
{
    private sealed class ThreadReporter : ReceiveActor
    {
        public ThreadReporter() =>
            Receive<string>(_ => Sender.Tell((Thread.CurrentThread.Name ?? "", Environment.CurrentManagedThreadId)));
    }

    [Theory]
    [InlineData("rocket.store.journal-dispatcher", "rocket-journal")]
    [InlineData("rocket.store.flush-dispatcher", "rocket-flush")]
    [InlineData(null, "rocket-projector")] // opt-in: rocket.store.projector-dispatcher = "rocket.store.projector-thread"
    [InlineData("rocket.store.retention-dispatcher", "rocket-retention")] // unlinking a cached 1 GiB segment takes 0.2 s
    [InlineData("rocket.broker.timer-dispatcher", "rocket-timer")]
    [InlineData("rocket.broker.metadata.database-dispatcher", "rocket-metadata")] // SQLite's writes and fsyncs
    [InlineData("rocket.broker.metadata.backup-dispatcher", "rocket-metadata")]
    public void The_configured_dispatcher_runs_its_actors_on_its_own_named_thread(string? setting, string threadName)
    {
        string dispatcher = setting is null ? "rocket.store.projector-thread" : Sys.Settings.Config.GetString(setting);
        var first = Sys.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(dispatcher));
        var second = Sys.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(dispatcher));

        first.Tell("which thread?");
        var (name, id) = ExpectMsg<(string, int)>();
        second.Tell("which thread?");
        var (_, secondId) = ExpectMsg<(string, int)>();

        Assert.Equal(threadName, name);
        Assert.Equal(id, secondId); // one thread per dispatcher, not a pool
    }
}
