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

    [Fact]
    public void The_master_is_found_by_role_not_by_id_and_every_live_broker_is_routed_with_its_role_and_epoch()
    {
        // After a failover: broker id 1 was promoted in epoch 3, the old master (id 0) came back as its slave.
        var answer = TopicRoutes.Answer("orders", [
            BrokerNamed("broker-a", Orders, id: 0, role: BrokerRole.Slave, epoch: 3),
            BrokerNamed("broker-a", [new("orders", 4, 4, TopicPerm.Read)], id: 1, role: BrokerRole.SyncMaster, epoch: 3),
        ]);

        Assert.NotNull(answer.Route);
        // The promoted master's config (read-only here) is the group's, not the slave's.
        Assert.Equal([new QueueData("broker-a", 4, 4, TopicPerm.Read)], answer.Route.Queues);
        Assert.Equal([(0L, BrokerRole.Slave, 3L), (1L, BrokerRole.SyncMaster, 3L)],
            answer.Route.Brokers.Select(b => (b.BrokerId, b.Role, b.Epoch)));
        Assert.Equal(1, BrokerGroupRoles.MasterOf(answer.Route.Brokers)!.BrokerId);
    }

    [Fact]
    public void Of_two_live_masters_in_one_group_the_higher_epoch_wins_and_the_other_is_shown_as_it_claims()
    {
        var oldMaster = BrokerNamed("broker-a", [new("orders", 8, 8)], id: 0, epoch: 1);
        var promoted = BrokerNamed("broker-a", Orders, id: 1, role: BrokerRole.AsyncMaster, epoch: 2);
        var answer = TopicRoutes.Answer("orders", [oldMaster, promoted]);

        Assert.Equal([new QueueData("broker-a", 4, 4, TopicPerm.ReadWrite)], answer.Route!.Queues); // the epoch-2 master's config
        Assert.Equal([(0L, BrokerRole.AsyncMaster, 1L), (1L, BrokerRole.AsyncMaster, 2L)],
            answer.Route.Brokers.Select(b => (b.BrokerId, b.Role, b.Epoch)));
        Assert.Equal(1, BrokerGroupRoles.MasterOf(answer.Route.Brokers)!.BrokerId);
        Assert.Equal([(0L, 1L)], TopicRoutes.StaleMasters([oldMaster, promoted]).Select(p => (p.Stale.BrokerId, p.Master.BrokerId)));
        Assert.Empty(TopicRoutes.StaleMasters([promoted, BrokerNamed("broker-a", Orders, id: 2)]));
    }

    [Fact]
    public void A_stale_master_neither_creates_topics_nor_decides_the_health_of_its_group()
    {
        var oldMaster = BrokerNamed("broker-a", [], id: 0, epoch: 1, defaultQueues: 2) with { StoreProblem = "disk full" };
        var promoted = BrokerNamed("broker-a", Orders, id: 1, role: BrokerRole.AsyncMaster, epoch: 2);

        var created = TopicRoutes.Answer("new-topic", [oldMaster, promoted]);
        Assert.Equal([1L], created.AutoCreateBrokers.Select(b => b.BrokerId));
        Assert.Equal(8, created.DefaultQueueNums);

        var routed = TopicRoutes.Answer("orders", [oldMaster, promoted, BrokerNamed("broker-b", Orders)]);
        Assert.All(routed.Route!.Queues, q => Assert.Equal(TopicPerm.ReadWrite, q.Perm)); // the old master's full disk is not the group's
    }

    [Fact]
    public void Without_a_master_the_topic_config_comes_from_the_most_advanced_slave_readable_only()
    {
        var answer = TopicRoutes.Answer("orders", [
            BrokerNamed("broker-a", [new("orders", 2, 2)], id: 1, epoch: 2, maxOffset: 500),
            BrokerNamed("broker-a", [new("orders", 6, 6)], id: 2, epoch: 2, maxOffset: 900),
            BrokerNamed("broker-a", [new("orders", 3, 3)], id: 3, epoch: 1, maxOffset: 5000),
        ]);

        Assert.Equal([new QueueData("broker-a", 6, 6, TopicPerm.Read)], answer.Route!.Queues);
        Assert.Equal([1L, 2L, 3L], answer.Route.Brokers.Select(b => b.BrokerId));
        Assert.All(answer.Route.Brokers, b => Assert.Equal(BrokerRole.Slave, b.Role));
        Assert.Null(BrokerGroupRoles.MasterOf(answer.Route.Brokers));
        // Without an offset in the route, clients read the highest epoch's lowest id.
        Assert.Equal(1, BrokerGroupRoles.ReadFrom(answer.Route.Brokers)!.BrokerId);

        // Slaves never offer auto-create.
        Assert.Empty(TopicRoutes.Answer("new-topic", [BrokerNamed("broker-a", [], id: 1)]).AutoCreateBrokers);
    }
}
