using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Akka.Actor;
using Rocket.Client;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client.Orderly;

/// <summary>
/// The orderly push consumer against fake brokers that hold a real queue lock table: serial per queue, queues in
/// parallel, suspend and retry in place, the dead-letter queue after max reconsume times, and the hand-over of a queue on
/// rebalance only after its batch finished and its offset was committed.
/// </summary>
public sealed class OrderlyConsumerTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private ClientSettings Fast() => Settings(s => s with
    {
        PersistConsumerOffsetInterval = TimeSpan.FromMilliseconds(100),
        HeartbeatBrokerInterval = TimeSpan.FromMilliseconds(200),
    });

    private static Task SendTo(Producer producer, int queueId, string body) =>
        producer.SendAsync(Text("TopicA", body), (queues, _, arg) => queues.Single(q => q.QueueId == (int)arg!), queueId);

    private async Task<IReadOnlyList<string>> LockEventsOf(IActorRef broker) =>
        (await broker.Ask<FakeBroker.LockEvents>(new FakeBroker.GetLockEvents(), TimeSpan.FromSeconds(3))).Events;

    private async Task<long?> CommittedAsync(string group, int queueId) =>
        (await StateOf(BrokerA)).Committed.TryGetValue((group, "TopicA", queueId), out var offset) ? offset : null;

    [Fact]
    public async Task Each_queue_gets_one_handler_call_at_a_time_in_queue_order_and_queues_run_in_parallel()
    {
        SetRoute("TopicA", 2, "broker-a");
        await using var client = RocketClient.Create(Fast());
        var producer = client.CreateProducer();
        for (int i = 0; i < 40; i++) await SendTo(producer, i % 2, $"m{i}");

        var handled = new ConcurrentDictionary<int, ConcurrentQueue<long>>();
        var inside = new int[2];
        int overlapInOneQueue = 0;
        using var bothEntered = new CountdownEvent(2);
        bool parallel = false;
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("G1") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicA")
            .RegisterOrderlyHandler(batch =>
            {
                int q = batch[0].QueueId;
                if (Interlocked.Increment(ref inside[q]) > 1) Interlocked.Increment(ref overlapInOneQueue);
                // The first call of each queue waits for the other queue's first call: both run at once.
                if (handled.GetOrAdd(q, _ => new ConcurrentQueue<long>()).IsEmpty && bothEntered.CurrentCount > 0)
                {
                    bothEntered.Signal();
                    if (bothEntered.Wait(TimeSpan.FromSeconds(5))) parallel = true;
                }
                Thread.Sleep(2);
                foreach (var m in batch) handled[q].Enqueue(m.QueueOffset);
                Interlocked.Decrement(ref inside[q]);
                return ConsumeOrderlyStatus.Success;
            });
        await consumer.StartAsync();

        await AwaitConditionAsync(() => Task.FromResult(handled.Values.Sum(h => h.Count) >= 40), Patience);
        Assert.Equal(0, overlapInOneQueue);
        Assert.True(parallel, "the two queues' handlers should run at the same time");
        foreach (int q in new[] { 0, 1 }) Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), handled[q]);
        var events = await LockEventsOf(BrokerA);
        Assert.Contains("locked TopicA:0", events);
        Assert.Contains("locked TopicA:1", events);
        await consumer.StopAsync();
        await AwaitConditionAsync(async () => (await LockEventsOf(BrokerA)).Contains("unlock TopicA:1"), Patience);
        events = await LockEventsOf(BrokerA);
        // Stopping commits first, then unlocks: the next owner starts where this one ended.
        Assert.True(events.ToList().LastIndexOf("commit TopicA:1@20") < events.ToList().IndexOf("unlock TopicA:1"), string.Join("\n", events));
    }

    [Fact]
    public async Task A_suspended_batch_is_retried_in_place_after_the_suspend_time_with_its_reconsume_times_grown()
    {
        SetRoute("TopicA", 1, "broker-a");
        await using var client = RocketClient.Create(Fast());
        var producer = client.CreateProducer();
        foreach (var body in new[] { "a", "b", "c" }) await SendTo(producer, 0, body);

        var seen = new ConcurrentQueue<(string Body, int Reconsumed, long At)>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("G2")
            {
                ConsumeFrom = ConsumeFrom.First, SuspendCurrentQueueTime = TimeSpan.FromMilliseconds(300),
            })
            .Subscribe("TopicA")
            .RegisterOrderlyHandler(batch =>
            {
                var m = batch.Single();
                string body = Encoding.UTF8.GetString(m.Body);
                seen.Enqueue((body, m.ReconsumeTimes, Stopwatch.GetTimestamp()));
                return body == "b" && m.ReconsumeTimes < 2 ? ConsumeOrderlyStatus.SuspendCurrentQueueAMoment : ConsumeOrderlyStatus.Success;
            });
        await consumer.StartAsync();

        await AwaitConditionAsync(async () => await CommittedAsync("G2", 0) == 3, Patience);
        var order = seen.ToArray();
        Assert.Equal(["a0", "b0", "b1", "b2", "c0"], order.Select(s => s.Body + s.Reconsumed));
        for (int i = 2; i <= 3; i++)
            Assert.True(Stopwatch.GetElapsedTime(order[i - 1].At, order[i].At) >= TimeSpan.FromMilliseconds(280),
                $"attempt {i} of b came {Stopwatch.GetElapsedTime(order[i - 1].At, order[i].At).TotalMilliseconds} ms after the previous one");
        Assert.Empty((await StateOf(BrokerA)).SendBacks); // retried here, never sent back
        await consumer.StopAsync();
    }

    [Fact]
    public async Task A_message_suspended_beyond_max_reconsume_times_goes_to_the_dead_letter_queue_and_the_queue_moves_on()
    {
        SetRoute("TopicA", 1, "broker-a");
        await using var client = RocketClient.Create(Fast());
        var producer = client.CreateProducer();
        await SendTo(producer, 0, "poison");
        await SendTo(producer, 0, "fine");

        var seen = new ConcurrentQueue<string>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("G3")
            {
                ConsumeFrom = ConsumeFrom.First, SuspendCurrentQueueTime = TimeSpan.FromMilliseconds(50), MaxReconsumeTimes = 2,
            })
            .Subscribe("TopicA")
            .RegisterOrderlyHandler(batch =>
            {
                var m = batch.Single();
                string body = Encoding.UTF8.GetString(m.Body);
                seen.Enqueue(body + m.ReconsumeTimes);
                return body == "poison" ? ConsumeOrderlyStatus.SuspendCurrentQueueAMoment : ConsumeOrderlyStatus.Success;
            });
        await consumer.StartAsync();

        await AwaitConditionAsync(async () => await CommittedAsync("G3", 0) == 2, Patience);
        Assert.Equal(["poison0", "poison1", "poison2", "fine0"], seen);
        var state = await StateOf(BrokerA);
        var sendBack = Assert.Single(state.SendBacks);
        Assert.Equal(("G3", state.Stored[("TopicA", 0)][0].PhysicalOffset, -1), (sendBack.Group, sendBack.PhysicalOffset, sendBack.DelayLevel));
        await consumer.StopAsync();
    }

    [Fact]
    public async Task A_queue_moving_to_another_member_is_unlocked_only_after_its_batch_finished_and_its_offset_was_committed()
    {
        SetRoute("TopicA", 2, "broker-a");
        BrokerA.Tell(new FakeBroker.NotifyRebalance(true));
        await using var clientA = RocketClient.Create(Fast());
        await using var clientB = RocketClient.Create(Fast());
        var producer = clientA.CreateProducer();
        for (int i = 0; i < 10; i++) await SendTo(producer, i % 2, $"m{i}");

        var byA = new ConcurrentQueue<(int Queue, long Offset)>();
        var byB = new ConcurrentQueue<(int Queue, long Offset)>();
        using var gate = new ManualResetEventSlim(true);
        int blocked = 0;
        var a = clientA.CreatePushConsumer(new PushConsumerOptions("G4") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicA")
            .RegisterOrderlyHandler(batch =>
            {
                if (!gate.IsSet) Interlocked.Increment(ref blocked);
                gate.Wait();
                foreach (var m in batch) byA.Enqueue((m.QueueId, m.QueueOffset));
                return ConsumeOrderlyStatus.Success;
            });
        await a.StartAsync();
        await AwaitConditionAsync(() => Task.FromResult(byA.Count == 10), Patience);

        gate.Reset(); // A's next batches hang in its handler
        for (int i = 10; i < 14; i++) await SendTo(producer, i % 2, $"m{i}");
        await AwaitConditionAsync(() => Task.FromResult(Volatile.Read(ref blocked) == 2), Patience); // one batch in flight per queue

        var b = clientB.CreatePushConsumer(new PushConsumerOptions("G4") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicA")
            .RegisterOrderlyHandler(batch =>
            {
                foreach (var m in batch) byB.Enqueue((m.QueueId, m.QueueOffset));
                return ConsumeOrderlyStatus.Success;
            });
        await b.StartAsync();
        await Task.Delay(1500); // A has rebalanced (the broker told it) and is releasing one queue: its batch still hangs
        var events = await LockEventsOf(BrokerA);
        Assert.DoesNotContain(events, e => e.StartsWith("unlock", StringComparison.Ordinal));
        Assert.Empty(byB);

        gate.Set();
        await AwaitConditionAsync(() => Task.FromResult(byB.Count > 0), Patience);
        events = await LockEventsOf(BrokerA);
        string unlock = Assert.Single(events, e => e.StartsWith("unlock", StringComparison.Ordinal));
        string moved = unlock["unlock ".Length..];
        int movedQueue = int.Parse(moved.Split(':')[1]);
        var list = events.ToList();
        int unlockAt = list.IndexOf(unlock);
        long committed = long.Parse(list.Take(unlockAt).Last(e => e.StartsWith($"commit {moved}@", StringComparison.Ordinal)).Split('@')[1]);
        Assert.Equal(6, committed); // offsets 0..5 handled by A, the one in flight when it was told to release included
        Assert.Contains(list.Skip(unlockAt), e => e == $"locked {moved}");
        Assert.Equal((movedQueue, committed), byB.First()); // B starts exactly where A committed
        Assert.Empty(byA.Intersect(byB));                   // no message handled by both
        await Task.WhenAll(a.StopAsync(), b.StopAsync());
    }
}
