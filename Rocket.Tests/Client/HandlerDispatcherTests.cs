using Akka.Actor;
using Rocket.Client;
using Rocket.Client.Consuming;
using Xunit;

namespace Rocket.Tests.Client;

/// <summary>The push consumer's handler dispatcher: the consume-threads limit, posting order, throws, and every call answered.</summary>
public sealed class HandlerDispatcherTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly IReadOnlyList<ReceivedMessage> NoMessages = [];
    private readonly HandlerCallInbox _inbox;

    public HandlerDispatcherTests() => _inbox = new HandlerCallInbox(TestActor);

    /// <summary>Takes returned calls from the inbox on each drain signal until <paramref name="count"/> came back.</summary>
    private List<T> Returned<T>(int count) where T : HandlerCall
    {
        var calls = new List<T>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (calls.Count < count)
        {
            ExpectMsg<HandlerCallInbox.Drain>(deadline - DateTime.UtcNow);
            calls.AddRange(_inbox.TakeAll().Cast<T>());
        }
        return calls;
    }

    [Fact]
    public void Never_more_calls_at_once_than_its_workers_and_every_call_is_answered()
    {
        var dispatcher = new HandlerDispatcher(3);
        int inside = 0, most = 0;
        ConsumeResult Handler(IReadOnlyList<ReceivedMessage> _)
        {
            int now = Interlocked.Increment(ref inside);
            for (int seen = Volatile.Read(ref most); now > seen; seen = Volatile.Read(ref most))
                Interlocked.CompareExchange(ref most, now, seen);
            Thread.Sleep(2);
            Interlocked.Decrement(ref inside);
            return ConsumeResult.Success;
        }

        for (int i = 0; i < 200; i++) dispatcher.Post(new HandlerCall<ConsumeResult>(Handler, NoMessages, ConsumeResult.RetryLater, _inbox));

        var answers = Returned<HandlerCall<ConsumeResult>>(200);
        Assert.All(answers, a => Assert.Equal(ConsumeResult.Success, a.Result));
        Assert.Equal(200, answers.Distinct().Count());
        Assert.InRange(most, 1, 3);
    }

    [Fact]
    public void Slow_calls_posted_together_spread_over_every_worker()
    {
        // Each call waits until all four are running at once: with fewer than four workers this never completes.
        const int workers = 4;
        var dispatcher = new HandlerDispatcher(workers);
        using var allInside = new CountdownEvent(workers);
        ConsumeResult Handler(IReadOnlyList<ReceivedMessage> _)
        {
            allInside.Signal();
            return allInside.Wait(TimeSpan.FromSeconds(20)) ? ConsumeResult.Success : ConsumeResult.RetryLater;
        }

        for (int i = 0; i < workers; i++) dispatcher.Post(new HandlerCall<ConsumeResult>(Handler, NoMessages, ConsumeResult.RetryLater, _inbox));

        var answers = Returned<HandlerCall<ConsumeResult>>(workers);
        Assert.All(answers, a => Assert.Equal(ConsumeResult.Success, a.Result));
    }

    [Fact]
    public void One_worker_runs_the_calls_in_the_order_they_were_posted()
    {
        var dispatcher = new HandlerDispatcher(1);
        var order = new List<int>();
        for (int i = 0; i < 100; i++)
        {
            int n = i;
            dispatcher.Post(new HandlerCall<ConsumeResult>(_ =>
            {
                lock (order) order.Add(n);
                return ConsumeResult.Success;
            }, NoMessages, ConsumeResult.RetryLater, _inbox));
        }
        Returned<HandlerCall<ConsumeResult>>(100);
        Assert.Equal(Enumerable.Range(0, 100), order);
    }

    [Fact]
    public void A_handler_that_throws_answers_the_fallback_result_and_the_exception()
    {
        var dispatcher = new HandlerDispatcher(2);
        var thrown = new InvalidOperationException("handler broke");
        dispatcher.Post(new HandlerCall<ConsumeOrderlyStatus>(_ => throw thrown, NoMessages, ConsumeOrderlyStatus.SuspendCurrentQueueAMoment, _inbox));

        var answer = Assert.Single(Returned<HandlerCall<ConsumeOrderlyStatus>>(1));
        Assert.Equal(ConsumeOrderlyStatus.SuspendCurrentQueueAMoment, answer.Result);
        Assert.Same(thrown, answer.Error);

        // The dispatcher goes on after a throw.
        dispatcher.Post(new HandlerCall<ConsumeOrderlyStatus>(_ => ConsumeOrderlyStatus.Success, NoMessages, ConsumeOrderlyStatus.SuspendCurrentQueueAMoment, _inbox));
        var next = Assert.Single(Returned<HandlerCall<ConsumeOrderlyStatus>>(1));
        Assert.Equal(ConsumeOrderlyStatus.Success, next.Result);
        Assert.Null(next.Error);
    }

    [Fact]
    public void Zero_workers_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new HandlerDispatcher(0));
        Assert.Contains("consume threads must be at least 1", error.Message);
    }
}
