using Rocket.Client;
using Rocket.Client.Consuming;
using Rocket.Client.Routing;
using Rocket.Protocol;
using Xunit;

namespace Rocket.Tests.Client;

/// <summary>Where a client writes and reads a broker group: masters by role and epoch, slaves while there is none, suggestions.</summary>
public sealed class ReadBrokersTests
{
    private static BrokerAddress Broker(long id, BrokerRole role, long epoch = 0) => new("DefaultCluster", "broker-a", id, $"/user/a-{id}", role, epoch);

    private static TopicQueues Queues(params BrokerAddress[] brokers) => TopicQueues.From(new TopicRouteAnswer("T",
        new TopicRoute("T", [new QueueData("broker-a", 2, 2, TopicPerm.ReadWrite)], brokers), [], 0));

    private static readonly MessageQueue Queue0 = new("T", "broker-a", 0);

    [Fact]
    public void A_group_without_a_master_is_readable_from_its_slave_and_not_writable()
    {
        var queues = Queues(Broker(1, BrokerRole.Slave), Broker(2, BrokerRole.Slave));
        Assert.Empty(queues.Writable);
        Assert.Equal([0, 1], queues.Readable.Select(q => q.QueueId));
        Assert.Empty(queues.MasterPaths);
        Assert.Equal(1, queues.ReadFrom("broker-a")!.BrokerId);

        var withMaster = Queues(Broker(0, BrokerRole.Slave, epoch: 1), Broker(1, BrokerRole.SyncMaster, epoch: 1));
        Assert.Equal(2, withMaster.Writable.Count);
        Assert.Equal("/user/a-1", withMaster.MasterPaths["broker-a"]);
        Assert.Equal(1, withMaster.ReadFrom("broker-a")!.BrokerId);
    }

    [Fact]
    public void A_queue_is_read_from_the_master_else_the_newest_epochs_lowest_slave_and_a_suggestion_moves_it_until_the_master_is_suggested()
    {
        var read = new ReadBrokers();
        read.Update(Queues(Broker(0, BrokerRole.AsyncMaster), Broker(1, BrokerRole.Slave), Broker(2, BrokerRole.Slave)).Groups);
        Assert.Equal(0, read.For(Queue0)!.BrokerId);
        Assert.False(read.WithoutMaster("broker-a"));

        Assert.Null(read.Suggest(Queue0, 2));
        Assert.Equal(2, read.For(Queue0)!.BrokerId);
        Assert.Equal(0, read.For(Queue0 with { QueueId = 1 })!.BrokerId); // per queue
        Assert.Null(read.Suggest(Queue0, BrokerGroupRoles.MasterId));
        Assert.Equal(0, read.For(Queue0)!.BrokerId);

        // A suggested broker not in the routes is not followed, and said why.
        Assert.Contains("broker id 7, which is not in the routes", read.Suggest(Queue0, 7));
        Assert.Equal(0, read.For(Queue0)!.BrokerId);

        // The master goes: the slave of the newest epoch, lowest id, and offsets wait.
        read.Update(Queues(Broker(2, BrokerRole.Slave, epoch: 3), Broker(1, BrokerRole.Slave, epoch: 2)).Groups);
        Assert.Equal(2, read.For(Queue0)!.BrokerId);
        Assert.True(read.WithoutMaster("broker-a"));
        Assert.Null(read.MasterPath("broker-a"));
        Assert.False(read.WithoutMaster("broker-b")); // not routed at all is not "without master"
    }
}
