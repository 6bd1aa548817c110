using Akka.Actor;
using Rocket.Client;
using Rocket.Client.Consuming;
using Xunit;

namespace Rocket.Tests.Client;

/// <summary>The push consumer's handler dispatcher: the consume-threads limit, posting order, throws, and every call answered.</summary>
public sealed class HandlerDispatcherTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly IReadOnlyList<ReceivedMessage> NoMessages = [];

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

        for (int i = 0; i < 200; i++) dispatcher.Post(new HandlerCall<ConsumeResult>(Handler, NoMessages, ConsumeResult.RetryLater, TestActor));

        var answers = ReceiveN(200, TimeSpan.FromSeconds(30)).Cast<HandlerCall<ConsumeResult>>().ToArray();
        Assert.All(answers, a => Assert.Equal(ConsumeResult.Success, a.Result));
        Assert.Equal(200, answers.Distinct().Count());
        Assert.InRange(most, 1, 3);
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
            }, NoMessages, ConsumeResult.RetryLater, TestActor));
        }
        ReceiveN(100, TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 100), order);
    }

    [Fact]
    public void A_handler_that_throws_answers_the_fallback_result_and_the_exception()
    {
        var dispatcher = new HandlerDispatcher(2);
        var thrown = new InvalidOperationException("handler broke");
        dispatcher.Post(new HandlerCall<ConsumeOrderlyStatus>(_ => throw thrown, NoMessages, ConsumeOrderlyStatus.SuspendCurrentQueueAMoment, TestActor));

        var answer = ExpectMsg<HandlerCall<ConsumeOrderlyStatus>>(TimeSpan.FromSeconds(10));
        Assert.Equal(ConsumeOrderlyStatus.SuspendCurrentQueueAMoment, answer.Result);
        Assert.Same(thrown, answer.Error);

        // The dispatcher goes on after a throw.
        dispatcher.Post(new HandlerCall<ConsumeOrderlyStatus>(_ => ConsumeOrderlyStatus.Success, NoMessages, ConsumeOrderlyStatus.SuspendCurrentQueueAMoment, TestActor));
        var next = ExpectMsg<HandlerCall<ConsumeOrderlyStatus>>(TimeSpan.FromSeconds(10));
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
