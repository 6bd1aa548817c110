using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Xunit;

namespace Rocket.Tests.Threading;

/// <summary>The non-spinning dedicated-thread executor behind the journal and flush dispatchers.</summary>
public sealed class DedicatedThreadExecutorTests() : TestKit(ConfigurationFactory.ParseString("""
    test-thread {
      type = Dispatcher
      executor = "Rocket.Threading.DedicatedThreadExecutorConfigurator, Rocket.Actors"
      thread-name = "rocket-test-thread"
      throughput = 10
    }
    """))
{
    private sealed class ThreadReporter : ReceiveActor
    {
        private long _count;

        public ThreadReporter()
        {
            Receive<string>(_ => Sender.Tell(Thread.CurrentThread.Name ?? ""));
            Receive<long>(n =>
            {
                _count++;
                if (n < 0) Sender.Tell(_count);
            });
        }
    }

    [Fact]
    public void Actors_on_the_dispatcher_run_on_its_named_thread()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher("test-thread"));
        actor.Tell("which thread?");
        Assert.Equal("rocket-test-thread", ExpectMsg<string>());
    }

    [Fact]
    public void Messages_from_many_threads_all_arrive_including_after_idle_periods()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher("test-thread"));
        // Bursts separated by idle gaps exercise the sleep/wake hand-off: a lost wake-up would leave messages unprocessed.
        for (int burst = 0; burst < 20; burst++)
        {
            Parallel.For(0, 4, _ => { for (int i = 0; i < 500; i++) actor.Tell((long)i); });
            if (burst % 5 == 0) Thread.Sleep(5);
        }
        actor.Tell(-1L);
        Assert.Equal(20 * 4 * 500 + 1, ExpectMsg<long>(TimeSpan.FromSeconds(10)));
    }
}
