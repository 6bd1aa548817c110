using Rocket.Client;
using Rocket.Client.Consuming.Orderly;
using Rocket.Protocol;
using Xunit;

namespace Rocket.Tests.Client.Orderly;

/// <summary>The per-queue state of orderly consumption: one batch at a time from the head, retried in place, DLQ after max.</summary>
public class OrderlyQueueTests
{
    private static readonly MessageQueue Queue = new("Orders", "broker-a", 0);

    private static ReceivedMessage[] Messages(long from, int count) =>
        Enumerable.Range(0, count).Select(i => new ReceivedMessage(
            new PulledMessage(from + i, 1000 + from + i, 0, 0, 0, 0, null, [(byte)i]), Queue)).ToArray();

    [Fact]
    public void One_batch_at_a_time_in_queue_order()
    {
        var queue = new OrderlyQueue(maxReconsumeTimes: int.MaxValue);
        queue.Add(Messages(0, 5));
        var first = queue.Take(2)!;
        Assert.Equal([0L, 1L], first.Select(m => m.QueueOffset));
        Assert.Null(queue.Take(2)); // serial: nothing while a batch is in flight
        queue.Add(Messages(5, 1));
        Assert.Null(queue.Take(2));
        queue.Commit();
        Assert.Equal([2L, 3L], queue.Take(2)!.Select(m => m.QueueOffset));
        queue.Commit();
        Assert.Equal([4L, 5L], queue.Take(10)!.Select(m => m.QueueOffset));
        queue.Commit();
        Assert.Null(queue.Take(1));
        Assert.Null(queue.HeadOffset);
    }

    [Fact]
    public void A_suspended_batch_is_retried_in_place_with_its_reconsume_times_grown()
    {
        var queue = new OrderlyQueue(maxReconsumeTimes: int.MaxValue);
        queue.Add(Messages(10, 3));
        queue.Take(2);
        Assert.Empty(queue.Suspend());
        Assert.Equal(10, queue.HeadOffset); // nothing committed past the suspended batch
        var again = queue.Take(2)!;
        Assert.Equal([10L, 11L], again.Select(m => m.QueueOffset));
        Assert.Equal([1, 1], again.Select(m => m.ReconsumeTimes));
        queue.Suspend();
        Assert.Equal([2, 2], queue.Take(2)!.Select(m => m.ReconsumeTimes));
        queue.Commit();
        var next = queue.Take(2)!;
        Assert.Equal([12L], next.Select(m => m.QueueOffset));
        Assert.Equal(0, next[0].ReconsumeTimes);
    }

    [Fact]
    public void A_message_suspended_after_max_reconsume_times_is_given_up_for_the_dead_letter_queue()
    {
        var queue = new OrderlyQueue(maxReconsumeTimes: 2);
        queue.Add(Messages(0, 2));
        for (int attempt = 0; attempt < 2; attempt++)
        {
            Assert.Equal(attempt, queue.Take(1)!.Single().ReconsumeTimes);
            Assert.Empty(queue.Suspend());
        }
        var last = queue.Take(1)!.Single();
        Assert.Equal(2, last.ReconsumeTimes);
        var exhausted = queue.Suspend();
        Assert.Equal([0L], exhausted.Select(m => m.QueueOffset));
        Assert.Equal(0, queue.HeadOffset); // stays until the broker took it
        queue.Remove(exhausted[0]);
        Assert.Equal(1, queue.HeadOffset);
        Assert.Equal([1L], queue.Take(1)!.Select(m => m.QueueOffset));
    }

    [Fact]
    public void Commit_or_suspend_without_a_batch_in_flight_is_a_bug_and_says_so()
    {
        var queue = new OrderlyQueue(3);
        Assert.Throws<InvalidOperationException>(queue.Commit);
        Assert.Throws<InvalidOperationException>(() => queue.Suspend());
    }
}
