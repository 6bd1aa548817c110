using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using Rocket.Client;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>
/// Reading from slaves (issue 11): a consumer reads a broker group's queues from its slave while the group has no
/// master and goes on at the same position, keeps its offsets meanwhile and commits them to the next master (a
/// promoted slave); producers write only to a master, found by role; a master's suggestion to pull from a slave is
/// followed until a response suggests the master again.
/// </summary>
public sealed class SlaveReadTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private const string Topic = "Orders";

    // A first send on a loaded machine (CI runs lanes side by side) took more than the base's 3 s send timeout.
    private ClientSettings FastCommits() => Settings(s => s with
    {
        SendTimeout = TimeSpan.FromSeconds(10),
        PersistConsumerOffsetInterval = TimeSpan.FromMilliseconds(100),
        HeartbeatBrokerInterval = TimeSpan.FromMilliseconds(200),
    });

    /// <summary>The fake slave of broker-a, at /user/broker-a-s (broker id 1).</summary>
    private IActorRef StartSlave() => Sys.ActorOf(Props.Create(() => new FakeBroker("broker-a-s")), "broker-a-s");

    private BrokerAddress Address(string actor, long id, BrokerRole role, long epoch = 0) =>
        new("DefaultCluster", "broker-a", id, BrokerPath(actor), role, epoch);

    private void Route(TopicPerm perm, params BrokerAddress[] brokers) =>
        NameServer.Tell(new FakeNameServer.SetRoute(new TopicRoute(Topic, [new QueueData("broker-a", 2, 2, perm)], brokers)));

    private static PulledMessage Stored(string body) => new(0, 0, 0, 0, 0, 0, null, Encoding.UTF8.GetBytes(body));

    private static string BodyOf(ReceivedMessage m) => Encoding.UTF8.GetString(m.Body);

    private static long Committed(FakeBroker.State state, int queueId) =>
        state.Committed.TryGetValue(("G1", Topic, queueId), out var o) ? o : -1;

    [Fact]
    public async Task Without_a_master_the_consumer_reads_the_slave_where_it_was_and_commits_the_kept_offsets_to_the_promoted_slave()
    {
        var slave = StartSlave();
        BrokerA.Tell(new FakeBroker.ReplicateTo(slave));
        Route(TopicPerm.ReadWrite, Address("broker-a", 0, BrokerRole.AsyncMaster), Address("broker-a-s", 1, BrokerRole.Slave));
        await using var client = RocketClient.Create(FastCommits());
        var producer = client.CreateProducer();
        for (int i = 0; i < 6; i++) await producer.SendAsync(Text(Topic, $"m{i}"));
        var received = new ConcurrentQueue<ReceivedMessage>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("G1") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe(Topic).RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(m);
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();
        await AwaitConditionAsync(async () => Committed(await StateOf(BrokerA), 0) + Committed(await StateOf(BrokerA), 1) == 6, Patience);
        int pullsBefore = (await StateOf(slave)).Pulls;
        Assert.Equal(0, pullsBefore); // read from the master while it lives

        // The master dies; the name server drops it a little later and routes the slave, read-only.
        Watch(BrokerA);
        Sys.Stop(BrokerA);
        ExpectTerminated(BrokerA);
        Route(TopicPerm.Read, Address("broker-a-s", 1, BrokerRole.Slave));
        // What replication had copied beyond: only the slave has these.
        for (int i = 0; i < 4; i++) slave.Tell(new FakeBroker.Replicated(Topic, i % 2, Stored($"s{i}")));

        await AwaitConditionAsync(() => Task.FromResult(received.Count >= 10), Patience);
        // Same position on the slave: nothing again, nothing skipped.
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"m{i}").Concat(Enumerable.Range(0, 4).Select(i => $"s{i}")).Order(),
            received.Select(BodyOf).Order());
        var onSlave = await StateOf(slave);
        Assert.True(onSlave.Pulls > 0);
        Assert.Empty(onSlave.Committed); // a slave does not store offsets: they are kept
        // Producers never write to a slave: with no master the topic has no writable queue.
        var refused = await Assert.ThrowsAnyAsync<RocketClientException>(() => producer.SendAsync(Text(Topic, "refused")));
        Assert.Contains("no live master in broker group broker-a", refused.Message);
        Assert.Empty((await StateOf(slave)).ProduceRequests);

        // Failover promotes the slave (epoch 1): the kept offsets are committed to it, and it takes sends.
        Route(TopicPerm.ReadWrite, Address("broker-a-s", 1, BrokerRole.AsyncMaster, epoch: 1));
        await AwaitConditionAsync(async () =>
        {
            var s = await StateOf(slave);
            return Committed(s, 0) == s.Stored[(Topic, 0)].Count && Committed(s, 1) == s.Stored[(Topic, 1)].Count;
        }, Patience);
        // The client re-reads a route without a master every poll-name-server-interval-without-master (1 s), not
        // every poll-name-server-interval (30 s): the producer finds the promoted slave within seconds.
        var promoted = System.Diagnostics.Stopwatch.StartNew();
        await AwaitAssertAsync(async () => await producer.SendAsync(Text(Topic, "after")), Patience);
        Assert.True(promoted.Elapsed < TimeSpan.FromSeconds(15), $"the producer found the promoted slave after {promoted.Elapsed}");
        await AwaitConditionAsync(() => Task.FromResult(received.Any(m => BodyOf(m) == "after")), Patience);
        Assert.Single((await StateOf(slave)).ProduceRequests);
        Assert.Equal(11, received.Count);
    }

    [Fact]
    public async Task Producers_write_only_to_the_master_found_by_role_and_epoch_never_to_a_slave()
    {
        var slave = StartSlave();
        // After a failover: broker id 1 is master in epoch 2, the old master (id 0) returned as its slave.
        Route(TopicPerm.ReadWrite, Address("broker-a", 0, BrokerRole.Slave, epoch: 2), Address("broker-a-s", 1, BrokerRole.SyncMaster, epoch: 2));
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(10) }));
        var producer = client.CreateProducer();
        for (int i = 0; i < 8; i++) await producer.SendAsync(Text(Topic, $"m{i}"));
        Assert.Equal(8, (await StateOf(slave)).ProduceRequests.Sum(r => r.Messages.Length));
        Assert.Empty((await StateOf(BrokerA)).ProduceRequests);

        // Two brokers claim the master role: the higher epoch is the master.
        Route(TopicPerm.ReadWrite, Address("broker-a", 0, BrokerRole.AsyncMaster, epoch: 1), Address("broker-a-s", 1, BrokerRole.AsyncMaster, epoch: 2));
        await client.Admin.GetRouteAsync(Topic); // refreshes the client's routes
        for (int i = 0; i < 8; i++) await producer.SendAsync(Text(Topic, $"n{i}"));
        Assert.Equal(16, (await StateOf(slave)).ProduceRequests.Sum(r => r.Messages.Length));
        Assert.Empty((await StateOf(BrokerA)).ProduceRequests);
    }

    [Fact]
    public async Task A_suggestion_to_pull_from_the_slave_is_followed_until_a_response_suggests_the_master_again()
    {
        var slave = StartSlave();
        BrokerA.Tell(new FakeBroker.ReplicateTo(slave));
        Route(TopicPerm.ReadWrite, Address("broker-a", 0, BrokerRole.AsyncMaster), Address("broker-a-s", 1, BrokerRole.Slave));
        await using var client = RocketClient.Create(FastCommits());
        var producer = client.CreateProducer();
        var received = new ConcurrentQueue<ReceivedMessage>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("G1") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe(Topic).RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(m);
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();

        // The master finds the pulls far behind its log's end: it suggests slave 1, and the slave answers from then on.
        BrokerA.Tell(new FakeBroker.SuggestBroker(1));
        for (int i = 0; i < 4; i++) await producer.SendAsync(Text(Topic, $"a{i}"));
        await AwaitConditionAsync(() => Task.FromResult(received.Count >= 4), Patience);
        await AwaitConditionAsync(async () => (await StateOf(slave)).Pulls > 0, Patience);
        // Only the slave has these for now: they arrive only if the consumer reads there. Then the master gets them too
        // (the logs are identical again, as replication keeps them).
        for (int i = 0; i < 4; i++) slave.Tell(new FakeBroker.Replicated(Topic, i % 2, Stored($"s{i}")));
        await AwaitConditionAsync(() => Task.FromResult(received.Count >= 8), Patience);
        for (int i = 0; i < 4; i++) BrokerA.Tell(new FakeBroker.Replicated(Topic, i % 2, Stored($"s{i}")));

        // The slave suggests the master (0, RocketMQ's MASTER_ID): the consumer goes back and reads the master's new messages.
        BrokerA.Tell(new FakeBroker.SuggestBroker(null));
        slave.Tell(new FakeBroker.SuggestBroker(0));
        for (int i = 0; i < 2; i++) BrokerA.Tell(new FakeBroker.Replicated(Topic, i, Stored($"t{i}")));
        await AwaitConditionAsync(async () => (await StateOf(BrokerA)).Stored.Sum(q => q.Value.Count) == 10, Patience);
        for (int i = 0; i < 2; i++) slave.Tell(new FakeBroker.Replicated(Topic, i, Stored($"t{i}"))); // wakes the held pulls: each answer suggests the master
        await AwaitConditionAsync(() => Task.FromResult(received.Count >= 10), Patience);
        BrokerA.Tell(new FakeBroker.ReplicateTo(ActorRefs.Nobody)); // from now on only the master has what is sent
        int pullsOnMaster = (await StateOf(BrokerA)).Pulls;
        for (int i = 0; i < 4; i++) await producer.SendAsync(Text(Topic, $"b{i}"));
        await AwaitConditionAsync(() => Task.FromResult(received.Count >= 14), Patience);
        Assert.True((await StateOf(BrokerA)).Pulls > pullsOnMaster);

        Assert.Equal(14, received.Select(BodyOf).Distinct().Count());
        Assert.Equal(14, received.Count);
        // Offsets went to the master all along (it lives): never to the slave.
        await AwaitConditionAsync(async () => Committed(await StateOf(BrokerA), 0) + Committed(await StateOf(BrokerA), 1) == 14, Patience);
        Assert.Empty((await StateOf(slave)).Committed);
    }
}
