using System.Diagnostics;
using Akka.Actor;
using Rocket.Remoting;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Remoting;

/// <summary>A query lost on the way costs one interval of the budget; a slow answer to the first ask still counts.</summary>
public sealed class RepeatedAskTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    /// <summary>Drops the first <c>drop</c> queries; answers the others with how many it has seen, after <c>delay</c>.</summary>
    private sealed class Target : ReceiveActor
    {
        public Target(int drop, TimeSpan delay)
        {
            int seen = 0;
            Receive<string>(query => query == "seen", _ => Sender.Tell(seen));
            Receive<string>(_ =>
            {
                if (++seen <= drop) return;
                if (delay == TimeSpan.Zero) Sender.Tell(seen);
                else Context.System.Scheduler.ScheduleTellOnce(delay, Sender, seen, Self);
            });
        }
    }

    private ActorSelection Start(string name, int drop, TimeSpan delay)
    {
        var target = Sys.ActorOf(Props.Create(() => new Target(drop, delay)), name);
        return Sys.ActorSelection(target.Path);
    }

    private static async Task<int> Seen(ActorSelection target) => await target.Ask<int>("seen", TimeSpan.FromSeconds(3));

    [Fact]
    public async Task A_lost_query_is_asked_again_and_answered_after_one_interval()
    {
        var target = Start("drops-one", drop: 1, TimeSpan.Zero);
        var clock = Stopwatch.StartNew();
        Assert.Equal(2, await RepeatedAsk.AskAsync<int>(target, "query", Budget)); // the second query's answer
        Assert.InRange(clock.Elapsed, Budget / RepeatedAsk.Attempts * 0.9, Budget * 0.9);
        Assert.Equal(2, await Seen(target));
    }

    [Fact]
    public async Task A_slow_answer_to_the_first_ask_counts_though_later_asks_went_out()
    {
        // Slower than an interval: the other asks go out meanwhile, and the first answer to come is the first query's.
        var target = Start("slow", drop: 0, TimeSpan.FromSeconds(1.6));
        Assert.Equal(1, await RepeatedAsk.AskAsync<int>(target, "query", Budget));
        Assert.InRange(await Seen(target), 2, 3); // the third ask is due at 2 s, after the answer unless the machine stalls
    }

    [Fact]
    public async Task A_silent_target_is_asked_every_interval_and_times_out_at_the_end_of_the_budget()
    {
        var target = Start("silent", drop: int.MaxValue, TimeSpan.Zero);
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<AskTimeoutException>(() => RepeatedAsk.AskAsync<int>(target, "query", Budget));
        Assert.InRange(clock.Elapsed, Budget * 0.95, Budget * 3);
        Assert.Equal(RepeatedAsk.Attempts, await Seen(target));
    }

    [Fact]
    public async Task Targets_are_asked_in_turn_and_the_answer_names_the_attempt_that_got_it()
    {
        var silent = Start("first-silent", drop: int.MaxValue, TimeSpan.Zero);
        var answering = Start("second-answers", drop: 0, TimeSpan.Zero);
        var (answer, attempt) = await RepeatedAsk.AskAnyAsync<int>(i => i % 2 == 0 ? silent : answering, "query", Budget, attempts: 4);
        Assert.Equal((1, 1), (answer, attempt));
        Assert.Equal(1, await Seen(silent)); // answered before the third attempt was due
    }
}
