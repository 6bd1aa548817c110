using Rocket.Naming;
using Rocket.Protocol;
using Xunit;
using static Rocket.Tests.Naming.NamingCluster;

namespace Rocket.Tests.Naming;

public class TopicRoutesTests
{
    private static readonly TopicConfig[] Orders = [new("orders", 4, 4)];

    [Fact]
    public void Without_a_live_master_the_slaves_queues_stay_readable_but_not_writable()
    {
        var answer = TopicRoutes.Answer("orders", [BrokerNamed("broker-a", Orders, id: 2), BrokerNamed("broker-a", Orders, id: 1)]);

        Assert.NotNull(answer.Route);
        Assert.Equal([new QueueData("broker-a", 4, 4, TopicPerm.Read)], answer.Route.Queues);
        Assert.Equal([1L, 2L], answer.Route.Brokers.Select(b => b.BrokerId));
    }

    [Fact]
    public void Auto_create_answers_use_the_smallest_default_queue_count_of_the_masters()
    {
        var answer = TopicRoutes.Answer("new-topic",
            [BrokerNamed("broker-b", [], defaultQueues: 4), BrokerNamed("broker-a", [], defaultQueues: 8), BrokerNamed("broker-a", [], id: 1)]);

        Assert.Null(answer.Route);
        Assert.Equal(["broker-a", "broker-b"], answer.AutoCreateBrokers.Select(b => b.BrokerName));
        Assert.Equal(4, answer.DefaultQueueNums);
    }

    [Fact]
    public void Without_any_auto_create_master_the_answer_is_empty()
    {
        var answer = TopicRoutes.Answer("new-topic", [BrokerNamed("broker-a", Orders, autoCreate: false)]);

        Assert.Null(answer.Route);
        Assert.Empty(answer.AutoCreateBrokers);
        Assert.Equal(0, answer.DefaultQueueNums);
    }

    [Fact]
    public void Without_a_live_holder_the_answer_names_the_unreachable_brokers_that_have_the_topic()
    {
        var unreachable = new[] { BrokerNamed("broker-b", Orders), BrokerNamed("broker-c", []), BrokerNamed("broker-a", Orders, id: 1) };
        var answer = TopicRoutes.Answer("orders", [BrokerNamed("broker-d", [], autoCreate: false)], unreachable);

        Assert.Null(answer.Route);
        Assert.Equal(["broker-a", "broker-b"], answer.UnreachableHolders!);

        // A live holder gives a route; the unreachable ones are then not needed.
        var routed = TopicRoutes.Answer("orders", [BrokerNamed("broker-d", Orders)], unreachable);
        Assert.NotNull(routed.Route);
        Assert.True(routed.UnreachableHolders is null or { Length: 0 });
    }

    [Fact]
    public void A_broker_whose_store_fails_loses_the_write_permission_while_another_broker_can_take_the_writes()
    {
        var failing = BrokerNamed("broker-a", Orders) with { StoreProblem = "disk full" };
        var answer = TopicRoutes.Answer("orders", [failing, BrokerNamed("broker-b", Orders)]);

        Assert.NotNull(answer.Route);
        Assert.Equal([new QueueData("broker-a", 4, 4, TopicPerm.Read), new QueueData("broker-b", 4, 4, TopicPerm.ReadWrite)], answer.Route.Queues);

        // With no healthy broker left the route is unchanged: sends reach the broker and get its own clear error.
        var alone = TopicRoutes.Answer("orders", [failing]);
        Assert.Equal([new QueueData("broker-a", 4, 4, TopicPerm.ReadWrite)], alone.Route!.Queues);
    }
}
