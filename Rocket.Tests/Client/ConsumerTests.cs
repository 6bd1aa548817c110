using Akka.Actor;
using Akka.Event;
using System.Collections.Concurrent;
using System.Text;
using Rocket.Client;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

public sealed class ConsumerTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private ClientSettings FastCommits() => Settings(s => s with
    {
        PersistConsumerOffsetInterval = TimeSpan.FromMilliseconds(100),
        HeartbeatBrokerInterval = TimeSpan.FromMilliseconds(200),
    });

    [Fact]
    public async Task Push_consumer_receives_every_message_and_commits_offsets()
    {
        SetRoute("TopicA", 2, "broker-a");
        await using var client = RocketClient.Create(FastCommits());
        var producer = client.CreateProducer();
        for (int i = 0; i < 6; i++) await producer.SendAsync(Text("TopicA", $"m{i}"));
        var received = new ConcurrentQueue<ReceivedMessage>();

        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupA") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicA", "*")
            .RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(m);
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();

        await AwaitConditionAsync(() => Task.FromResult(received.Count >= 6), Patience);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"m{i}").Order(), received.Select(m => Encoding.UTF8.GetString(m.Body)).Order());
        Assert.All(received, m => Assert.Matches("^[0-9A-F]{32}$", m.MessageId!));

        // Messages sent after start arrive through the long poll.
        await producer.SendAsync(Text("TopicA", "late"));
        await AwaitConditionAsync(() => Task.FromResult(received.Any(m => Encoding.UTF8.GetString(m.Body) == "late")), Patience);

        await AwaitConditionAsync(async () => CommittedTotal(await StateOf(BrokerA), "GroupA") == 7, Patience);
        Assert.Contains(consumer.MemberId, (await StateOf(BrokerA)).Consumers);

        await consumer.StopAsync();
        await AwaitConditionAsync(async () => (await StateOf(BrokerA)).Unregistrations == 1, Patience);
        Assert.Empty((await StateOf(BrokerA)).Consumers);
    }

    [Fact]
    public async Task A_puller_whose_broker_died_mid_pull_pulls_the_restarted_broker_without_waiting_out_the_long_poll()
    {
        SetRoute("TopicA", 1, "broker-a");
        await using var client = RocketClient.Create(FastCommits());
        var producer = client.CreateProducer();
        await producer.SendAsync(Text("TopicA", "before"));
        var received = new ConcurrentQueue<string>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupA") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicA", "*")
            .RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(Encoding.UTF8.GetString(m.Body));
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();
        await AwaitConditionAsync(() => Task.FromResult(received.Contains("before")), Patience);

        // The broker dies with the consumer's long poll in it, and a new one starts at the same path (a restart).
        Watch(BrokerA);
        Sys.Stop(BrokerA);
        ExpectTerminated(BrokerA);
        // The watcher can hear of the death before the guardian has freed the name: retry until it is free.
        IActorRef restarted = ActorRefs.Nobody;
        AwaitAssert(() => restarted = Sys.ActorOf(Props.Create(() => new FakeBroker("broker-a")), "broker-a"), TimeSpan.FromSeconds(5));
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await AwaitConditionAsync(async () =>
        {
            try { return (await producer.SendAsync(Text("TopicA", "after"))).Status == SendStatus.SendOk; }
            catch (RocketClientException) { return false; }
        }, Patience);

        // Well before the abandoned pull's timeout (15 s long poll + 3 s send timeout).
        await AwaitConditionAsync(() => Task.FromResult(received.Contains("after")), TimeSpan.FromSeconds(8));
        Sys.Log.Info("pulled from the restarted broker {0:F1} s after it started", stopwatch.Elapsed.TotalSeconds);
        Assert.True((await StateOf(restarted)).Pulls > 0);
        await consumer.StopAsync();
    }

    [Fact]
    public async Task A_lost_offset_commit_is_sent_again_by_the_next_periodic_commit_without_new_messages()
    {
        SetRoute("TopicA", 1, "broker-a");
        await using var client = RocketClient.Create(FastCommits());
        var producer = client.CreateProducer();
        for (int i = 0; i < 3; i++) await producer.SendAsync(Text("TopicA", $"m{i}"));
        // Every commit lost for a while: the consumer's offset stops moving once it has the three messages, so only a
        // commit of an unchanged offset can repair it (a client sending only moved offsets never would).
        BrokerA.Tell(new FakeBroker.DropCommits(int.MaxValue));
        var received = new ConcurrentQueue<string>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupL") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicA", "*")
            .RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(Encoding.UTF8.GetString(m.Body));
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();
        await AwaitConditionAsync(() => Task.FromResult(received.Count == 3), Patience);
        await AwaitConditionAsync(async () => (await BrokerA.Ask<string[]>(new FakeBroker.GetOffsetEvents(), Patience)).Count(e => e == "dropped commit GroupL") >= 3, Patience);
        Assert.Equal(0, CommittedTotal(await StateOf(BrokerA), "GroupL"));

        BrokerA.Tell(new FakeBroker.DropCommits(0));
        await AwaitConditionAsync(async () => CommittedTotal(await StateOf(BrokerA), "GroupL") == 3, Patience);
        Assert.Equal(3, received.Count);
        await consumer.StopAsync();
    }

    [Fact]
    public async Task Push_consumer_resumes_from_the_committed_offset_and_filters_by_tag()
    {
        SetRoute("TopicA", 1, "broker-a");
        await using var client = RocketClient.Create(FastCommits());
        var producer = client.CreateProducer();
        await producer.SendAsync(Text("TopicA", "old", "TagA"));
        BrokerA.Tell(new CommitOffsets("GroupB", [new QueueOffset("TopicA", 0, 1)]));
        await producer.SendAsync(Text("TopicA", "skip-me", "TagB"));
        await producer.SendAsync(Text("TopicA", "new", "TagA"));
        var received = new ConcurrentQueue<string>();

        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupB") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicA", "TagA || TagC")
            .RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(Encoding.UTF8.GetString(m.Body));
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();

        await AwaitConditionAsync(async () => CommittedTotal(await StateOf(BrokerA), "GroupB") == 3, Patience);
        Assert.Equal(["new"], received);
        await consumer.StopAsync();
    }

    [Fact]
    public async Task RetryLater_delivers_the_same_messages_again()
    {
        SetRoute("TopicA", 1, "broker-a");
        SetRoute("%RETRY%GroupC", 1, "broker-a"); // clustering: the message comes back through the group's retry topic
        await using var client = RocketClient.Create(FastCommits());
        await client.CreateProducer().SendAsync(Text("TopicA", "flaky"));
        var attempts = new ConcurrentQueue<int>();

        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupC")
            {
                ConsumeFrom = ConsumeFrom.First, RetryLaterDelay = TimeSpan.FromMilliseconds(50),
            })
            .Subscribe("TopicA")
            .RegisterHandler(batch =>
            {
                attempts.Enqueue(batch[0].ReconsumeTimes);
                return batch[0].ReconsumeTimes < 2 ? ConsumeResult.RetryLater : ConsumeResult.Success;
            });
        await consumer.StartAsync();

        // TopicA's offset 1, and the retry topic's 2 (its two retry copies).
        await AwaitConditionAsync(async () => CommittedTotal(await StateOf(BrokerA), "GroupC") == 3, Patience);
        Assert.Equal([0, 1, 2], attempts);
        await consumer.StopAsync();
    }

    [Fact]
    public async Task A_consumer_started_before_its_topic_exists_finds_the_topic_soon_after_it_appears()
    {
        await using var client = RocketClient.Create(FastCommits());
        var received = new ConcurrentQueue<ReceivedMessage>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupLate") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("LateTopic")
            .RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(m);
                return ConsumeResult.Success;
            });
        await consumer.StartAsync(); // no route yet: the group starts owning nothing

        SetRoute("LateTopic", 2, "broker-a");
        await client.CreateProducer().SendAsync(Text("LateTopic", "first"));

        // Well before the 20 s periodic rebalance: the consumer looks again about every second while a topic has no queues.
        await AwaitConditionAsync(() => Task.FromResult(received.Count == 1), TimeSpan.FromSeconds(8));
        await consumer.StopAsync();
    }

    [Fact]
    public async Task Broadcasting_consumers_each_get_every_queue_and_commit_nothing_to_the_broker()
    {
        SetRoute("TopicA", 2, "broker-a");
        await using var client = RocketClient.Create(FastCommits());
        var producer = client.CreateProducer();
        for (int i = 0; i < 4; i++) await producer.SendAsync(Text("TopicA", $"m{i}"));
        int count = 0;

        using var offsets = new Rocket.Tests.Support.TempDirectory("broadcast-offsets");
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupD")
            {
                MessageModel = MessageModel.Broadcasting, ConsumeFrom = ConsumeFrom.First, LocalOffsetStoreDir = offsets.Path,
            })
            .Subscribe("TopicA")
            .RegisterHandler(batch => { Interlocked.Add(ref count, batch.Count); return ConsumeResult.Success; });
        await consumer.StartAsync();

        await AwaitConditionAsync(() => Task.FromResult(Volatile.Read(ref count) == 4), Patience);
        await consumer.StopAsync();
        Assert.Equal(0, CommittedTotal(await StateOf(BrokerA), "GroupD"));
    }

    [Fact]
    public async Task Pull_consumer_polls_messages_and_commits_what_it_polled()
    {
        SetRoute("TopicA", 2, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var producer = client.CreateProducer();
        for (int i = 0; i < 5; i++) await producer.SendAsync(Text("TopicA", $"p{i}"));

        var consumer = client.CreatePullConsumer(new PullConsumerOptions("GroupP") { ConsumeFrom = ConsumeFrom.First, AutoCommit = false });
        consumer.Subscribe("TopicA");
        await consumer.StartAsync();

        var polled = new List<ReceivedMessage>();
        var deadline = DateTime.UtcNow + Patience;
        while (polled.Count < 5 && DateTime.UtcNow < deadline) polled.AddRange(await consumer.PollAsync(TimeSpan.FromSeconds(1)));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"p{i}").Order(), polled.Select(m => Encoding.UTF8.GetString(m.Body)).Order());
        Assert.Empty(await consumer.PollAsync(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(0, CommittedTotal(await StateOf(BrokerA), "GroupP"));

        await consumer.CommitAsync();
        await AwaitConditionAsync(async () => CommittedTotal(await StateOf(BrokerA), "GroupP") == 5, Patience);
        await consumer.StopAsync();
    }

    [Fact]
    public async Task Starting_without_subscription_or_handler_is_an_error()
    {
        SetRoute("TopicA", 1, "broker-a");
        await using var client = RocketClient.Create(Settings());

        var noSubscription = client.CreatePushConsumer(new PushConsumerOptions("G1")).RegisterHandler(_ => ConsumeResult.Success);
        Assert.Contains("no subscription", (await Assert.ThrowsAsync<RocketClientException>(noSubscription.StartAsync)).Message);
        var noHandler = client.CreatePushConsumer(new PushConsumerOptions("G2")).Subscribe("TopicA");
        Assert.Contains("no handler", (await Assert.ThrowsAsync<RocketClientException>(noHandler.StartAsync)).Message);
        Assert.Throws<RocketClientException>(() => client.CreatePushConsumer(new PushConsumerOptions("bad group!")));
    }

    [Fact]
    public async Task Disposing_the_client_stops_its_consumers_which_commit_and_leave_the_group()
    {
        SetRoute("TopicA", 1, "broker-a");
        var client = RocketClient.Create(Settings()); // commits only every second: the final commit must come from the stop
        await client.CreateProducer().SendAsync(Text("TopicA", "one"));
        int count = 0;
        await client.CreatePushConsumer(new PushConsumerOptions("GroupE") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicA")
            .RegisterHandler(batch => { Interlocked.Add(ref count, batch.Count); return ConsumeResult.Success; })
            .StartAsync();
        await AwaitConditionAsync(() => Task.FromResult(Volatile.Read(ref count) == 1), Patience);

        await client.DisposeAsync();

        await AwaitConditionAsync(async () => (await StateOf(BrokerA)).Unregistrations == 1, Patience);
        Assert.Equal(1, CommittedTotal(await StateOf(BrokerA), "GroupE"));
    }

    [Fact]
    public async Task A_queue_moving_to_another_member_is_committed_when_it_moves_not_at_the_next_periodic_commit()
    {
        // Periodic commits come every persist-consumer-offset-interval (RocketMQ's 5 s by default; here 10 minutes). A
        // queue given up in a rebalance is committed as it is given up, so its next owner does not repeat what was handled.
        SetRoute("TopicM", 2, "broker-a");
        BrokerA.Tell(new FakeBroker.NotifyRebalance(true));
        var rareCommits = Settings(s => s with
        {
            PersistConsumerOffsetInterval = TimeSpan.FromMinutes(10),
            HeartbeatBrokerInterval = TimeSpan.FromMilliseconds(200),
        });
        await using var clientA = RocketClient.Create(rareCommits);
        await using var clientB = RocketClient.Create(rareCommits);
        var producer = clientA.CreateProducer();
        for (int i = 0; i < 6; i++) await producer.SendAsync(Text("TopicM", $"m{i}")); // three per queue
        int handledByA = 0;
        var a = clientA.CreatePushConsumer(new PushConsumerOptions("GroupM") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicM")
            .RegisterHandler(batch =>
            {
                Interlocked.Add(ref handledByA, batch.Count);
                return ConsumeResult.Success;
            });
        await a.StartAsync();
        await AwaitConditionAsync(() => Task.FromResult(Volatile.Read(ref handledByA) == 6), Patience);
        Assert.Equal(0, CommittedTotal(await StateOf(BrokerA), "GroupM"));

        var b = clientB.CreatePushConsumer(new PushConsumerOptions("GroupM") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicM")
            .RegisterHandler(_ => ConsumeResult.Success);
        await b.StartAsync();

        // A gave one queue to B and committed its three handled messages then.
        await AwaitConditionAsync(async () => CommittedTotal(await StateOf(BrokerA), "GroupM") == 3, Patience);
        var committed = (await StateOf(BrokerA)).Committed.Where(kv => kv.Key.Group == "GroupM").ToArray();
        Assert.Equal(3, Assert.Single(committed, kv => kv.Value > 0).Value);
        await b.StopAsync();
        await a.StopAsync();
    }

    [Fact]
    public async Task Stopping_as_soon_as_the_handler_saw_the_last_message_commits_every_handled_message()
    {
        // The stop commits only after each puller took back its handler calls, the one still running included (up to a
        // second); before, results on their way to a puller were left out of the commit and delivered again to the
        // queue's next owner (seen as a lag of 4 on three queues after `rocket consume --expect 400`).
        SetRoute("TopicS", 4, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with { PersistConsumerOffsetInterval = TimeSpan.FromMinutes(10) }));
        var producer = client.CreateProducer();
        const int total = 200;
        for (int i = 0; i < total; i++) await producer.SendAsync(Text("TopicS", $"m{i}"));
        var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopBegun = new ManualResetEventSlim();
        int seen = 0;
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupS") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicS")
            .RegisterHandler(batch =>
            {
                if (Interlocked.Add(ref seen, batch.Count) < total) return ConsumeResult.Success;
                allSeen.TrySetResult();
                stopBegun.Wait(Patience);
                Thread.Sleep(200); // the last call is still running when the stop begins
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();
        await allSeen.Task.WaitAsync(Patience);

        stopBegun.Set();
        await consumer.StopAsync();

        // The only commit is the stop's (the periodic one is 10 minutes away); it travels apart from this question.
        await AwaitConditionAsync(async () => (await StateOf(BrokerA)).Unregistrations == 1, Patience);
        Assert.Equal(total, CommittedTotal(await StateOf(BrokerA), "GroupS"));
    }

    [Fact]
    public async Task A_consumer_that_cannot_reach_a_seed_fails_to_start_and_can_be_started_again()
    {
        await using var client = RocketClient.Create(new ClientSettings
        {
            Seeds = ["127.0.0.1:1"], SendTimeout = TimeSpan.FromMilliseconds(500), ConsumerStartTimeout = TimeSpan.FromSeconds(1.5),
        });
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupF")).Subscribe("TopicA").RegisterHandler(_ => ConsumeResult.Success);

        // The first rebalance is tried again until the start times out; the error says why it failed.
        var first = await Assert.ThrowsAsync<RocketClientException>(consumer.StartAsync);
        Assert.Equal(RocketErrorCode.ConsumerStartTimeout, first.Code);
        Assert.Contains("did not finish: no seed reachable at 127.0.0.1:1", first.Message);
        Assert.StartsWith("no seed reachable at 127.0.0.1:1", first.InnerException?.Message);
        var second = await Assert.ThrowsAsync<RocketClientException>(consumer.StartAsync);
        Assert.Contains("no seed reachable", second.Message);
    }

    private static long CommittedTotal(FakeBroker.State state, string group) =>
        state.Committed.Where(kv => kv.Key.Group == group).Sum(kv => kv.Value);
}
