using Akka.Actor;
using System.Collections.Concurrent;
using System.Text;
using Rocket.Client;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>
/// The push consumer's side of retry against a fake broker: what it sends back, when the queue's offset may move past
/// a failed message (only after the broker acknowledged its send-back), and what happens when the send-back fails.
/// </summary>
public sealed class ConsumerRetryTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private ClientSettings FastCommits() => Settings(s => s with
    {
        PersistConsumerOffsetInterval = TimeSpan.FromMilliseconds(100),
        HeartbeatBrokerInterval = TimeSpan.FromMilliseconds(200),
    });

    private async Task<long?> CommittedAsync(string group, string topic) =>
        (await StateOf(BrokerA)).Committed.TryGetValue((group, topic, 0), out var offset) ? offset : null;

    private async Task<PushConsumer> StartAsync(RocketClient client, string group, Func<ReceivedMessage, ConsumeResult> handle,
        int maxReconsumeTimes = 16)
    {
        var consumer = client.CreatePushConsumer(new PushConsumerOptions(group)
            {
                ConsumeFrom = ConsumeFrom.First, RetryLaterDelay = TimeSpan.FromMilliseconds(100), MaxReconsumeTimes = maxReconsumeTimes,
            })
            .Subscribe("TopicA")
            .RegisterHandler(batch => handle(batch.Single()));
        await consumer.StartAsync();
        return consumer;
    }

    [Fact]
    public async Task A_failed_message_is_sent_back_and_the_offset_moves_past_it_only_once_the_broker_acknowledged()
    {
        SetRoute("TopicA", 1, "broker-a");
        BrokerA.Tell(new FakeBroker.AnswerSendBacks(FakeBroker.SendBackAnswer.Hold));
        // The held send-back must outlive the whole hold phase: past the send timeout (3 s by default, easily reached on a
        // loaded machine) the client gives up on it and redelivers locally, which sends the message back a second time.
        await using var client = RocketClient.Create(FastCommits() with { SendTimeout = TimeSpan.FromSeconds(60) });
        var producer = client.CreateProducer();
        var sent = await producer.SendAsync(Text("TopicA", "poison"));
        await producer.SendAsync(Text("TopicA", "fine"));

        await using var consumer = await StartAsync(client, "G1", m => Encoding.UTF8.GetString(m.Body) == "poison" ? ConsumeResult.RetryLater : ConsumeResult.Success, 5);

        await AwaitConditionAsync(async () => (await StateOf(BrokerA)).SendBacks.Count == 1, Patience);
        var state = await StateOf(BrokerA);
        var sendBack = state.SendBacks.Single();
        Assert.Equal(("G1", state.Stored[("TopicA", 0)][0].PhysicalOffset, sent.MessageId, 0, 5),
            (sendBack.Group, sendBack.PhysicalOffset, sendBack.OriginMessageId, sendBack.DelayLevel, sendBack.MaxReconsumeTimes));
        // "fine" (offset 1) is done, but the unanswered send-back keeps the committed offset at "poison".
        await AwaitConditionAsync(async () => await CommittedAsync("G1", "TopicA") == 0, Patience);
        await Task.Delay(500); // several commit intervals
        Assert.Equal(0, await CommittedAsync("G1", "TopicA"));

        BrokerA.Tell(new FakeBroker.AnswerSendBacks(FakeBroker.SendBackAnswer.Store));
        await AwaitConditionAsync(async () => await CommittedAsync("G1", "TopicA") == 2, Patience);
        Assert.Single((await StateOf(BrokerA)).SendBacks); // acknowledged once, never sent again
    }

    [Fact]
    public async Task A_refused_send_back_pins_the_offset_and_the_message_is_delivered_again_here()
    {
        SetRoute("TopicA", 1, "broker-a");
        BrokerA.Tell(new FakeBroker.AnswerSendBacks(FakeBroker.SendBackAnswer.Refuse));
        await using var client = RocketClient.Create(FastCommits());
        await client.CreateProducer().SendAsync(Text("TopicA", "flaky"));
        var attempts = new ConcurrentQueue<int>();
        await using var consumer = await StartAsync(client, "G2", m =>
        {
            attempts.Enqueue(m.ReconsumeTimes);
            return m.ReconsumeTimes < 2 ? ConsumeResult.RetryLater : ConsumeResult.Success;
        });

        await AwaitConditionAsync(() => Task.FromResult(attempts.Count == 3), Patience);
        Assert.Equal([0, 1, 2], attempts); // redelivered locally, its local count growing
        Assert.Equal(2, (await StateOf(BrokerA)).SendBacks.Count);
        await AwaitConditionAsync(async () => await CommittedAsync("G2", "TopicA") == 1, Patience);
    }

    [Fact]
    public async Task An_unanswered_send_back_times_out_into_a_local_redelivery()
    {
        SetRoute("TopicA", 1, "broker-a");
        BrokerA.Tell(new FakeBroker.AnswerSendBacks(FakeBroker.SendBackAnswer.Hold));
        await using (var producerClient = RocketClient.Create(FastCommits()))
            await producerClient.CreateProducer().SendAsync(Text("TopicA", "flaky"));
        // The send timeout bounds the wait for a send-back's answer (and every look-up of this client).
        await using var client = RocketClient.Create(FastCommits() with { SendTimeout = TimeSpan.FromSeconds(1.5) });
        var attempts = new ConcurrentQueue<int>();
        await using var consumer = await StartAsync(client, "G3", m =>
        {
            attempts.Enqueue(m.ReconsumeTimes);
            return m.ReconsumeTimes < 1 ? ConsumeResult.RetryLater : ConsumeResult.Success;
        });

        await AwaitConditionAsync(async () => await CommittedAsync("G3", "TopicA") == 1, Patience);
        Assert.Equal([0, 1], attempts);
        Assert.Single((await StateOf(BrokerA)).SendBacks);
    }

    [Fact]
    public async Task Messages_from_the_retry_topic_show_their_original_topic_and_reconsume_times()
    {
        SetRoute("TopicA", 1, "broker-a");
        SetRoute("%RETRY%G4", 1, "broker-a");
        await using var client = RocketClient.Create(FastCommits());
        await client.CreateProducer().SendAsync(Text("TopicA", "flaky"));
        var seen = new ConcurrentQueue<(string Topic, string Queue, int Reconsume)>();
        await using var consumer = await StartAsync(client, "G4", m =>
        {
            seen.Enqueue((m.Topic, m.Queue.Topic, m.ReconsumeTimes));
            return m.ReconsumeTimes < 2 ? ConsumeResult.RetryLater : ConsumeResult.Success;
        });

        await AwaitConditionAsync(() => Task.FromResult(seen.Count == 3), Patience);
        Assert.Equal([("TopicA", "TopicA", 0), ("TopicA", "%RETRY%G4", 1), ("TopicA", "%RETRY%G4", 2)], seen);
        await AwaitConditionAsync(async () => await CommittedAsync("G4", "%RETRY%G4") == 2, Patience);
        Assert.Equal(1, await CommittedAsync("G4", "TopicA"));
    }

    [Fact]
    public async Task Broadcasting_redelivers_locally_and_sends_nothing_back()
    {
        SetRoute("TopicA", 1, "broker-a");
        await using var client = RocketClient.Create(FastCommits());
        await client.CreateProducer().SendAsync(Text("TopicA", "flaky"));
        var attempts = new ConcurrentQueue<int>();
        using var offsets = new Rocket.Tests.Support.TempDirectory("broadcast-offsets");
        await using var consumer = client.CreatePushConsumer(new PushConsumerOptions("G5")
            {
                MessageModel = MessageModel.Broadcasting, ConsumeFrom = ConsumeFrom.First, RetryLaterDelay = TimeSpan.FromMilliseconds(50),
                LocalOffsetStoreDir = offsets.Path,
            })
            .Subscribe("TopicA")
            .RegisterHandler(batch =>
            {
                attempts.Enqueue(batch[0].ReconsumeTimes);
                return batch[0].ReconsumeTimes < 2 ? ConsumeResult.RetryLater : ConsumeResult.Success;
            });
        await consumer.StartAsync();
        await AwaitConditionAsync(() => Task.FromResult(attempts.Count == 3), Patience);
        Assert.Equal([0, 1, 2], attempts);
        Assert.Empty((await StateOf(BrokerA)).SendBacks);
    }

    [Fact]
    public async Task A_retry_topic_without_a_route_is_looked_for_with_a_growing_pause_not_every_second()
    {
        SetRoute("TopicA", 1, "broker-a"); // no route for %RETRY%G6: nothing created it
        await using var client = RocketClient.Create(FastCommits());
        await using var consumer = await StartAsync(client, "G6", _ => ConsumeResult.Success);
        await Task.Delay(2000);
        int before = await NameServer.Ask<int>(new FakeNameServer.GetLookups(), TimeSpan.FromSeconds(3));
        await Task.Delay(6000);
        int lookups = await NameServer.Ask<int>(new FakeNameServer.GetLookups(), TimeSpan.FromSeconds(3)) - before;
        // Rebalances 1, 3, 7, 15 s after the start: two in this window, each looking up the missing route at most twice
        // (cached answer, then a refresh). Looking every second would be six rebalances.
        Assert.InRange(lookups, 1, 4);
    }

    [Fact]
    public async Task MaxReconsumeTimes_below_zero_is_refused()
    {
        await using var client = RocketClient.Create(Settings());
        var error = Assert.Throws<RocketClientException>(() => client.CreatePushConsumer(new PushConsumerOptions("G") { MaxReconsumeTimes = -1 }));
        Assert.Contains("MaxReconsumeTimes must be 0 or more", error.Message);
    }
}
