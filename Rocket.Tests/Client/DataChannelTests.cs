using Akka.Actor;
using Rocket.Client;
using Rocket.Client.Producing;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>
/// The producer's data channel against a fake broker that serves a real data channel listener: which path sends
/// take, and what a send in flight sees when the channel closes under it.
/// </summary>
public sealed class DataChannelTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private Task<BrokerSenderStats> StatsAsync(RocketClient client) =>
        client.Senders.For("broker-a", BrokerPath("broker-a")).Actor.Ask<BrokerSenderStats>(GetBrokerSenderStats.Instance, Patience);

    private async Task AwaitChannelAsync(RocketClient client, bool open) =>
        await AwaitConditionAsync(async () => (await StatsAsync(client)).DataChannelOpen == open, Patience);

    [Fact]
    public async Task Sends_go_over_the_data_channel_once_the_broker_offers_one()
    {
        await BrokerA.Ask<IActorRef>(new FakeBroker.OpenDataChannel(), Patience);
        SetRoute("TopicA", 4, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(10) }));
        var producer = client.CreateProducer();
        await producer.SendAsync(Text("TopicA", "first")); // resolves the broker, which starts the channel
        await AwaitChannelAsync(client, open: true);
        var before = await StatsAsync(client);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => producer.SendAsync(Text("TopicA", $"m{i}"))));

        var after = await StatsAsync(client);
        Assert.Equal(after.RequestsSent - before.RequestsSent, after.RequestsOverDataChannel - before.RequestsOverDataChannel);
        Assert.Equal(200, after.DirectSends - before.DirectSends); // each posted by its caller, not through the sender actor
        Assert.Equal(200, after.RequestsSent - before.RequestsSent);
        Assert.All(results, r => Assert.Equal(SendStatus.SendOk, r.Status));
        var stored = (await StateOf(BrokerA)).Stored.Where(kv => kv.Key.Item1 == "TopicA").SelectMany(kv => kv.Value)
            .Select(m => System.Text.Encoding.UTF8.GetString(m.Body)).ToHashSet();
        Assert.All(Enumerable.Range(0, 200), i => Assert.Contains($"m{i}", stored));
    }

    [Fact]
    public async Task With_direct_sends_off_sends_over_the_data_channel_go_through_the_sender_actor_and_are_coalesced()
    {
        await BrokerA.Ask<IActorRef>(new FakeBroker.OpenDataChannel(), Patience);
        SetRoute("TopicA", 4, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with
        {
            DirectSends = false, MaxInFlightPerBroker = 1, SendTimeout = TimeSpan.FromSeconds(10),
        }));
        var producer = client.CreateProducer();
        await producer.SendAsync(Text("TopicA", "first"));
        await AwaitChannelAsync(client, open: true);
        var before = await StatsAsync(client);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => producer.SendAsync(Text("TopicA", $"m{i}"))));

        var after = await StatsAsync(client);
        Assert.All(results, r => Assert.Equal(SendStatus.SendOk, r.Status));
        Assert.Equal(0, after.DirectSends);
        long requests = after.RequestsOverDataChannel - before.RequestsOverDataChannel;
        Assert.Equal(after.RequestsSent - before.RequestsSent, requests);
        Assert.InRange(requests, 2, 199); // one in flight at a time: the rest queued and left together
    }

    [Fact]
    public async Task A_direct_send_the_broker_does_not_answer_fails_at_its_deadline_and_its_late_answer_harms_nothing()
    {
        await BrokerA.Ask<IActorRef>(new FakeBroker.OpenDataChannel(), Patience);
        SetRoute("TopicA", 4, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(1), RetryTimesWhenSendFailed = 0 }));
        var producer = client.CreateProducer();
        await SendFirstAsync(producer);
        await AwaitChannelAsync(client, open: true);
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(true));

        var error = await Assert.ThrowsAsync<RocketSendException>(() => producer.SendAsync(Text("TopicA", "unanswered")).WaitAsync(Patience));
        Assert.Equal("no answer from broker broker-a within the send timeout", error.Message);
        Assert.IsType<TimeoutException>(error.InnerException);
        var stats = await StatsAsync(client);
        Assert.Equal(1, stats.DirectSends); // "first" went through the sender actor: it opened the channel
        Assert.Equal(0, stats.InFlightRequests);

        BrokerA.Tell(new FakeBroker.HoldProduceReplies(false)); // the held answer now arrives, for a send that is over
        Assert.Equal(SendStatus.SendOk, (await producer.SendAsync(Text("TopicA", "after"))).Status);
        Assert.True((await StatsAsync(client)).DataChannelOpen);
    }

    /// <summary>
    /// The first send also asks the seed for the route, over a remote association that is still being made: on a
    /// loaded machine that can take longer than a short send timeout. Only the route lookup is retried; a send the
    /// broker saw is not.
    /// </summary>
    private static async Task SendFirstAsync(Producer producer)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await producer.SendAsync(Text("TopicA", "first"));
                return;
            }
            catch (RocketClientException e) when (e is not RocketSendException && attempt < 10) { }
        }
    }

    [Fact]
    public async Task Closing_the_client_fails_unanswered_direct_sends_naming_it_without_retrying_them()
    {
        await BrokerA.Ask<IActorRef>(new FakeBroker.OpenDataChannel(), Patience);
        SetRoute("TopicA", 4, "broker-a");
        var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(10) }));
        var producer = client.CreateProducer();
        await producer.SendAsync(Text("TopicA", "first"));
        await AwaitChannelAsync(client, open: true);
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(true));
        var held = Enumerable.Range(0, 3).Select(i => producer.SendAsync(Text("TopicA", $"held{i}"))).ToArray();
        await AwaitConditionAsync(async () => (await StateOf(BrokerA)).ProduceRequests.Count >= 4, Patience);

        var disposing = client.DisposeAsync().AsTask(); // its remote shutdown may wait out the send timeout here

        foreach (var send in held) // not a timeout, not a retry: the client's own error
        {
            var error = await Assert.ThrowsAsync<RocketClientException>(() => send.WaitAsync(Patience));
            Assert.Equal("the client was closed before broker broker-a answered", error.Message);
        }
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(false));
        await disposing;
    }

    [Fact]
    public async Task Pulls_go_over_the_data_channel_and_the_broker_answers_the_puller_under_its_own_id()
    {
        await BrokerA.Ask<IActorRef>(new FakeBroker.OpenDataChannel(), Patience);
        SetRoute("TopicA", 2, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(10) }));
        var producer = client.CreateProducer();
        await producer.SendAsync(Text("TopicA", "first"));
        await AwaitChannelAsync(client, open: true);
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupA") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicA", "*")
            .RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(System.Text.Encoding.UTF8.GetString(m.Body));
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();
        for (int i = 0; i < 20; i++) await producer.SendAsync(Text("TopicA", $"m{i}")); // most arrive through held (long) pulls

        await AwaitConditionAsync(() => Task.FromResult(received.Count >= 21), Patience);
        Assert.Equal(new[] { "first" }.Concat(Enumerable.Range(0, 20).Select(i => $"m{i}")).Order(), received.Order());
        var stats = await StatsAsync(client);
        Assert.True(stats.PullsOverDataChannel > 0);
        Assert.True(stats.DirectPulls > 0); // posted by the pullers themselves once the channel was open
        await consumer.StopAsync();
    }

    [Fact]
    public async Task A_broker_without_a_data_channel_is_sent_to_over_akka_remote()
    {
        SetRoute("TopicA", 4, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var producer = client.CreateProducer();

        for (int i = 0; i < 20; i++) Assert.Equal(SendStatus.SendOk, (await producer.SendAsync(Text("TopicA", $"m{i}"))).Status);

        var stats = await StatsAsync(client);
        Assert.Equal(0, stats.RequestsOverDataChannel);
        Assert.False(stats.DataChannelOpen);
        Assert.Equal(20, (await StateOf(BrokerA)).Stored.Where(kv => kv.Key.Item1 == "TopicA").Sum(kv => kv.Value.Count));
    }

    [Fact]
    public async Task A_client_with_the_data_channel_off_sends_over_akka_remote_to_a_broker_that_offers_one()
    {
        await BrokerA.Ask<IActorRef>(new FakeBroker.OpenDataChannel(), Patience);
        SetRoute("TopicA", 4, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with { DataChannel = false }));
        var producer = client.CreateProducer();

        for (int i = 0; i < 20; i++) Assert.Equal(SendStatus.SendOk, (await producer.SendAsync(Text("TopicA", $"m{i}"))).Status);

        var stats = await StatsAsync(client);
        Assert.Equal(0, stats.RequestsOverDataChannel);
        Assert.False(stats.DataChannelOpen);
    }

    /// <summary>Holds the broker's answers, sends three, and closes the broker's end of the channel under them.</summary>
    private async Task<Task<SendResult>[]> CloseChannelUnderSendsAsync(Producer producer, RocketClient client, IActorRef listener)
    {
        await producer.SendAsync(Text("TopicA", "first"));
        await AwaitChannelAsync(client, open: true);
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(true));
        var held = Enumerable.Range(0, 3).Select(i => producer.SendAsync(Text("TopicA", $"held{i}"))).ToArray();
        await AwaitConditionAsync(async () => (await StateOf(BrokerA)).ProduceRequests.Count >= 4, Patience);
        // The broker's end of the connection goes away (as when its process dies) while the sends wait for answers.
        var connection = await Sys.ActorSelection(listener.Path / "connection-1").ResolveOne(Patience);
        Sys.Stop(connection);
        return held;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sends_in_flight_when_the_channel_closes_are_retried_and_succeed(bool directSends)
    {
        var listener = await BrokerA.Ask<IActorRef>(new FakeBroker.OpenDataChannel(), Patience);
        SetRoute("TopicA", 4, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(10), DirectSends = directSends }));
        var producer = client.CreateProducer();
        var held = await CloseChannelUnderSendsAsync(producer, client, listener);
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(false));

        // At least once: each was sent again (over Akka.Remote until the channel is back) and stored.
        Assert.All(await Task.WhenAll(held), r => Assert.Equal(SendStatus.SendOk, r.Status));
        var stored = (await StateOf(BrokerA)).Stored.Where(kv => kv.Key.Item1 == "TopicA").SelectMany(kv => kv.Value)
            .Select(m => System.Text.Encoding.UTF8.GetString(m.Body)).ToList();
        Assert.All(Enumerable.Range(0, 3), i => Assert.Contains($"held{i}", stored));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Without_retries_sends_in_flight_when_the_channel_closes_fail_naming_it_and_later_sends_reconnect(bool directSends)
    {
        var listener = await BrokerA.Ask<IActorRef>(new FakeBroker.OpenDataChannel(), Patience);
        SetRoute("TopicA", 4, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with
        {
            SendTimeout = TimeSpan.FromSeconds(10), RetryTimesWhenSendFailed = 0, DirectSends = directSends,
        }));
        var producer = client.CreateProducer();
        var held = await CloseChannelUnderSendsAsync(producer, client, listener);

        foreach (var send in held)
        {
            var error = await Assert.ThrowsAnyAsync<RocketSendException>(() => send);
            Assert.Contains("data channel to broker broker-a closed", error.Message);
        }
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(false));
        Assert.Equal(SendStatus.SendOk, (await producer.SendAsync(Text("TopicA", "after"))).Status); // over Akka.Remote meanwhile
        await AwaitChannelAsync(client, open: true); // asked for again a second later
        var before = await StatsAsync(client);
        Assert.Equal(SendStatus.SendOk, (await producer.SendAsync(Text("TopicA", "reconnected"))).Status);
        Assert.Equal(before.RequestsOverDataChannel + 1, (await StatsAsync(client)).RequestsOverDataChannel);
    }
}
