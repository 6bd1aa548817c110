using Akka.Actor;
using Rocket.Client;
using Rocket.Client.Consuming;
using Xunit;

namespace Rocket.Tests.Client;

/// <summary>
/// The puller's inbox of finished handler calls: every call returned from any thread is taken exactly once, a call
/// returned while the owner drains is never left unsignalled, and calls returned together share one signal.
/// </summary>
public sealed class HandlerCallInboxTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly IReadOnlyList<ReceivedMessage> NoMessages = [];

    private static HandlerCall<ConsumeResult> Call(HandlerCallInbox inbox) =>
        new(_ => ConsumeResult.Success, NoMessages, ConsumeResult.RetryLater, inbox);

    /// <summary>The owner drains on each signal, as a puller does, and counts what it took.</summary>
    private sealed class Owner : ReceiveActor
    {
        public sealed record Taken(int Calls, int Signals);
        public sealed record Ask;

        public Owner(TaskCompletionSource<HandlerCallInbox> inboxOut)
        {
            var inbox = new HandlerCallInbox(Self);
            inboxOut.SetResult(inbox);
            var seen = new HashSet<HandlerCall>();
            int signals = 0;
            Receive<HandlerCallInbox.Drain>(_ =>
            {
                signals++;
                foreach (var call in inbox.TakeAll())
                    if (!seen.Add(call)) throw new InvalidOperationException("a call was taken twice");
            });
            Receive<Ask>(_ => Sender.Tell(new Taken(seen.Count, signals)));
        }
    }

    [Fact]
    public async Task Calls_returned_from_many_threads_are_all_taken_once_and_none_waits_unsignalled()
    {
        var inboxOut = new TaskCompletionSource<HandlerCallInbox>(TaskCreationOptions.RunContinuationsAsynchronously);
        var owner = Sys.ActorOf(Props.Create(() => new Owner(inboxOut)));
        var inbox = await inboxOut.Task.WaitAsync(TimeSpan.FromSeconds(10));
        const int threads = 4, each = 20_000;

        var returners = Enumerable.Range(0, threads).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < each; i++) Call(inbox).Run();
        })).ToArray();
        await Task.WhenAll(returners).WaitAsync(TimeSpan.FromSeconds(60));

        // No further signal can come: everything returned must have been taken by the drains already signalled.
        await AwaitAssertAsync(async () =>
        {
            var taken = await owner.Ask<Owner.Taken>(new Owner.Ask(), TimeSpan.FromSeconds(5));
            Assert.Equal(threads * each, taken.Calls);
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        var final = await owner.Ask<Owner.Taken>(new Owner.Ask(), TimeSpan.FromSeconds(5));
        Assert.InRange(final.Signals, 1, threads * each);
    }

    [Fact]
    public void Calls_returned_before_the_owner_drains_share_one_signal()
    {
        var inbox = new HandlerCallInbox(TestActor);
        var calls = Enumerable.Range(0, 5).Select(_ => Call(inbox)).ToArray();
        foreach (var call in calls) call.Run();

        ExpectMsg<HandlerCallInbox.Drain>(TimeSpan.FromSeconds(5));
        Assert.Equal(calls, inbox.TakeAll().Cast<HandlerCall<ConsumeResult>>());
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // After a drain the next return signals again.
        var later = Call(inbox);
        later.Run();
        ExpectMsg<HandlerCallInbox.Drain>(TimeSpan.FromSeconds(5));
        Assert.Same(later, Assert.Single(inbox.TakeAll()));
    }
}
