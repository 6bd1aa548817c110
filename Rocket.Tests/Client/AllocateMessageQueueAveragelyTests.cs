using Rocket.Client.Consuming;
using Xunit;

namespace Rocket.Tests.Client;

public sealed class AllocateMessageQueueAveragelyTests
{
    private static readonly string[] Clients3 = ["c0", "c1", "c2"];

    [Fact]
    public void Eight_queues_over_three_consumers_give_contiguous_blocks_of_3_3_2()
    {
        var queues = Enumerable.Range(0, 8).ToArray();

        Assert.Equal([0, 1, 2], AllocateMessageQueueAveragely.Allocate(queues, Clients3, "c0"));
        Assert.Equal([3, 4, 5], AllocateMessageQueueAveragely.Allocate(queues, Clients3, "c1"));
        Assert.Equal([6, 7], AllocateMessageQueueAveragely.Allocate(queues, Clients3, "c2"));
    }

    [Fact]
    public void More_consumers_than_queues_leaves_the_last_consumers_idle()
    {
        var queues = Enumerable.Range(0, 3).ToArray();
        string[] clients = ["a", "b", "c", "d", "e"];

        var owned = clients.Select(c => AllocateMessageQueueAveragely.Allocate(queues, clients, c).ToArray()).ToArray();

        Assert.Equal([[0], [1], [2], [], []], owned);
    }

    [Fact]
    public void An_unknown_client_gets_nothing()
    {
        Assert.Empty(AllocateMessageQueueAveragely.Allocate(Enumerable.Range(0, 8).ToArray(), Clients3, "stranger"));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 4)]
    [InlineData(16, 3)]
    [InlineData(7, 2)]
    [InlineData(5, 9)]
    public void Every_queue_is_owned_exactly_once_and_shares_differ_by_at_most_one(int queueCount, int clientCount)
    {
        var queues = Enumerable.Range(0, queueCount).ToArray();
        var clients = Enumerable.Range(0, clientCount).Select(i => $"client-{i:00}").ToArray();

        var shares = clients.Select(c => AllocateMessageQueueAveragely.Allocate(queues, clients, c)).ToArray();

        Assert.Equal(queues, shares.SelectMany(s => s).Order());
        Assert.InRange(shares.Max(s => s.Count) - shares.Min(s => s.Count), 0, 1);
    }
}
