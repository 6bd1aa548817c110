using System.Text;
using Akka.Actor;
using Rocket.Client;
using Rocket.Client.Producing;
using Rocket.Protocol;
using Rocket.Store.Format;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

public sealed class ProducerTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    [Fact]
    public async Task SendAsync_maps_the_broker_result_and_stamps_a_unique_key()
    {
        SetRoute("TopicA", 4, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var producer = client.CreateProducer();

        var result = await producer.SendAsync(new Message("TopicA", Encoding.UTF8.GetBytes("hello")) { Tags = "TagA", Keys = "order-1" });

        Assert.Equal(SendStatus.SendOk, result.Status);
        Assert.Equal("broker-a", result.BrokerName);
        Assert.InRange(result.QueueId, 0, 3);
        Assert.Equal(0, result.QueueOffset);
        Assert.Matches("^[0-9A-F]{32}$", result.MessageId);
        var stored = Assert.Single((await StateOf(BrokerA)).Stored[("TopicA", result.QueueId)]);
        Assert.Equal("hello", Encoding.UTF8.GetString(stored.Body));
        Assert.Equal(result.MessageId, MessageProperties.Get(stored.Properties, MessageProperties.UniqueKey));
        Assert.Equal("TagA", MessageProperties.Get(stored.Properties, MessageProperties.Tags));
        Assert.Equal("order-1", MessageProperties.Get(stored.Properties, MessageProperties.Keys));
        // Built on first read from the broker's address and the physical offset its answer carried.
        Assert.Equal(OffsetMessageId.Encode(System.Net.IPAddress.Loopback, Port, stored.PhysicalOffset), result.OffsetMessageId);
        Assert.Same(result.OffsetMessageId, result.OffsetMessageId);
        Assert.Equal(result with { }, result);
    }

    [Fact]
    public async Task Disposing_the_client_right_after_one_way_sends_loses_none_of_them()
    {
        SetRoute("TopicA", 4, "broker-a");
        // Dispose waits at most the send timeout for one-way sends on their way: generous, so a loaded machine (the
        // suite's lanes side by side) cannot make this a timing test (16 of 200 were lost once with 3 s).
        var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(30) }));
        var producer = client.CreateProducer();
        for (int i = 0; i < 200; i++) producer.SendOneway(Text("TopicA", $"m{i}"));
        await client.DisposeAsync(); // a CLI exits like this: the sends are not answered yet, the route may not even be known

        var stored = (await StateOf(BrokerA)).Stored.Where(kv => kv.Key.Item1 == "TopicA").Sum(kv => kv.Value.Count);
        Assert.Equal(200, stored);
    }

    [Fact]
    public async Task Sends_go_round_robin_over_the_writable_queues()
    {
        SetRoute("TopicA", 4, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var producer = client.CreateProducer();

        var queues = new List<int>();
        for (int i = 0; i < 8; i++) queues.Add((await producer.SendAsync(Text("TopicA", $"m{i}"))).QueueId);

        Assert.All(Enumerable.Range(0, 4), q => Assert.Equal(2, queues.Count(x => x == q)));
    }

    [Fact]
    public async Task Sends_issued_while_requests_are_in_flight_are_coalesced_into_one_request()
    {
        SetRoute("TopicA", 4, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with { MaxInFlightPerBroker = 4, SendTimeout = TimeSpan.FromSeconds(10) }));
        var producer = client.CreateProducer();
        await client.GetRouteAsync("TopicA"); // warm the route cache so every send reaches the sender quickly
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(true));

        var sends = Enumerable.Range(0, 100).Select(i => producer.SendAsync(Text("TopicA", $"m{i}"))).ToArray();

        await AwaitConditionAsync(async () =>
        {
            var stats = await client.Senders.For("broker-a", BrokerPath("broker-a")).Actor.Ask<BrokerSenderStats>(GetBrokerSenderStats.Instance);
            return stats is { InFlightRequests: 4, QueuedSends: 96 };
        }, TimeSpan.FromSeconds(10));
        // The four requests are on their way over loopback remoting: wait for the broker to have them all.
        await AwaitConditionAsync(async () => (await StateOf(BrokerA)).ProduceRequests.Count == 4, TimeSpan.FromSeconds(10));

        BrokerA.Tell(new FakeBroker.HoldProduceReplies(false));
        var results = await Task.WhenAll(sends);

        var requests = (await StateOf(BrokerA)).ProduceRequests;
        Assert.Equal(5, requests.Count);
        Assert.All(requests.Take(4), r => Assert.Single(r.Messages));
        Assert.Equal(96, requests[4].Messages.Length);
        Assert.Equal(100, results.Select(r => r.MessageId).Distinct().Count());
        Assert.Equal(100, results.Select(r => (r.QueueId, r.QueueOffset)).Distinct().Count());
    }

    [Fact]
    public async Task A_failed_send_is_retried_on_another_broker()
    {
        SetRoute("TopicA", 1, "broker-a", "broker-b");
        BrokerA.Tell(new FakeBroker.FailProducesWith(ProduceStatus.ServiceNotAvailable));
        await using var client = RocketClient.Create(Settings());
        var producer = client.CreateProducer();

        var results = new List<SendResult>();
        for (int i = 0; i < 4; i++) results.Add(await producer.SendAsync(Text("TopicA", $"m{i}")));

        Assert.All(results, r => Assert.Equal("broker-b", r.BrokerName));
        Assert.NotEmpty((await StateOf(BrokerA)).ProduceRequests); // round robin did try broker-a
        Assert.Equal(4, (await StateOf(BrokerB)).Stored[("TopicA", 0)].Count);
    }

    [Fact]
    public async Task A_silent_broker_costs_one_attempt_share_of_the_send_timeout_then_the_send_goes_elsewhere()
    {
        SetRoute("TopicA", 1, "broker-a", "broker-b");
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(true));
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(6) }));
        var producer = client.CreateProducer();

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var results = new List<SendResult>();
        for (int i = 0; i < 2; i++) results.Add(await producer.SendAsync(Text("TopicA", $"m{i}")));

        Assert.All(results, r => Assert.Equal("broker-b", r.BrokerName));
        Assert.NotEmpty((await StateOf(BrokerA)).ProduceRequests); // round robin tried the silent broker once
        // 3 attempts share 6 s: the silent attempt gave up after about 2 s, not after the whole timeout.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_slow_only_broker_gets_the_whole_send_timeout_and_the_message_is_sent_once()
    {
        SetRoute("TopicA", 2, "broker-a");
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(true));
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(6) }));
        var send = client.CreateProducer().SendAsync(Text("TopicA", "slow"));

        // Past one attempt's share (2 s of 6 s), a retry would have sent the message again; with nowhere else to
        // go, the first attempt waits on.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(false));
        Assert.Equal("broker-a", (await send).BrokerName);
        var state = await StateOf(BrokerA);
        Assert.Single(state.ProduceRequests);
        Assert.Equal(1, state.Stored.Values.Sum(q => q.Count));
    }

    [Fact]
    public async Task When_no_broker_answers_the_send_fails_with_a_timeout_within_the_send_timeout()
    {
        SetRoute("TopicA", 1, "broker-a");
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(true));
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(1.5) }));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RocketSendException>(() => client.CreateProducer().SendAsync(Text("TopicA", "x")));

        Assert.Contains("no answer from broker broker-a", error.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(false)); // late answers are ignored
    }

    [Fact]
    public async Task When_every_broker_fails_the_exception_names_the_status_and_the_brokers_text()
    {
        SetRoute("TopicA", 1, "broker-a");
        BrokerA.Tell(new FakeBroker.FailProducesWith(ProduceStatus.ServiceNotAvailable));
        await using var client = RocketClient.Create(Settings());

        var error = await Assert.ThrowsAsync<RocketSendException>(() => client.CreateProducer().SendAsync(Text("TopicA", "x")));

        Assert.Equal(ProduceStatus.ServiceNotAvailable, error.Status);
        Assert.Contains("service not available", error.Message);
        Assert.Contains("disk is full", error.Message);
        Assert.Equal(3, (await StateOf(BrokerA)).ProduceRequests.Count); // 1 + retry-times-when-send-failed
    }

    [Fact]
    public async Task An_illegal_message_verdict_is_not_retried()
    {
        SetRoute("TopicA", 1, "broker-a", "broker-b");
        BrokerA.Tell(new FakeBroker.FailProducesWith(ProduceStatus.MessageIllegal));
        BrokerB.Tell(new FakeBroker.FailProducesWith(ProduceStatus.MessageIllegal));
        await using var client = RocketClient.Create(Settings());

        var error = await Assert.ThrowsAsync<RocketSendException>(() => client.CreateProducer().SendAsync(Text("TopicA", "x")));

        Assert.Equal(ProduceStatus.MessageIllegal, error.Status);
        Assert.Contains("message illegal", error.Message);
        int requests = (await StateOf(BrokerA)).ProduceRequests.Count + (await StateOf(BrokerB)).ProduceRequests.Count;
        Assert.Equal(1, requests);
    }

    [Fact]
    public async Task With_a_cached_route_a_failed_first_attempt_is_retried_elsewhere_a_silent_one_too_and_an_illegal_one_is_not()
    {
        // A send to a cached route is its own first attempt (FirstAttemptSend); its failures take the retry loop.
        SetRoute("TopicA", 1, "broker-a", "broker-b");
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(6) }));
        var producer = client.CreateProducer();
        await producer.SendAsync(Text("TopicA", "warm")); // caches the route

        BrokerA.Tell(new FakeBroker.FailProducesWith(ProduceStatus.ServiceNotAvailable));
        for (int i = 0; i < 4; i++) Assert.Equal("broker-b", (await producer.SendAsync(Text("TopicA", $"r{i}"))).BrokerName);
        Assert.NotEmpty((await StateOf(BrokerA)).ProduceRequests); // round robin did try broker-a

        // A new producer (no broker isolated yet) on the same client (the route still cached).
        producer = client.CreateProducer();
        BrokerA.Tell(new FakeBroker.FailProducesWith(null));
        BrokerA.Tell(new FakeBroker.HoldProduceReplies(true));
        int heldBefore = (await StateOf(BrokerA)).ProduceRequests.Count;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 3; i++) Assert.Equal("broker-b", (await producer.SendAsync(Text("TopicA", $"s{i}"))).BrokerName);
        Assert.Equal(heldBefore + 1, (await StateOf(BrokerA)).ProduceRequests.Count); // the silent broker was tried once
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the silent attempt took its share (2 s) once: {watch.Elapsed}");

        BrokerA.Tell(new FakeBroker.HoldProduceReplies(false));
        producer = client.CreateProducer();
        BrokerB.Tell(new FakeBroker.FailProducesWith(ProduceStatus.MessageIllegal));
        BrokerA.Tell(new FakeBroker.FailProducesWith(ProduceStatus.MessageIllegal));
        int before = (await StateOf(BrokerA)).ProduceRequests.Count + (await StateOf(BrokerB)).ProduceRequests.Count;
        var error = await Assert.ThrowsAsync<RocketSendException>(() => producer.SendAsync(Text("TopicA", "illegal")));
        Assert.Equal(ProduceStatus.MessageIllegal, error.Status);
        int after = (await StateOf(BrokerA)).ProduceRequests.Count + (await StateOf(BrokerB)).ProduceRequests.Count;
        Assert.Equal(before + 1, after);
    }

    [Fact]
    public async Task A_topic_without_route_fails_with_topic_not_exist()
    {
        await using var client = RocketClient.Create(Settings());

        var error = await Assert.ThrowsAsync<RocketSendException>(() => client.CreateProducer().SendAsync(Text("Nowhere", "x")));

        Assert.Equal(ProduceStatus.TopicNotExist, error.Status);
        Assert.Contains("'Nowhere' does not exist", error.Message);
    }

    [Fact]
    public async Task Bad_input_throws_before_anything_is_sent()
    {
        SetRoute("TopicA", 1, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var producer = client.CreateProducer();

        var badTopic = await Assert.ThrowsAsync<RocketClientException>(() => producer.SendAsync(Text("bad topic!", "x")));
        Assert.Contains("characters outside [%|a-zA-Z0-9_-]", badTopic.Message);
        var longTopic = await Assert.ThrowsAsync<RocketClientException>(() => producer.SendAsync(Text(new string('t', 128), "x")));
        Assert.Contains("limit is 127", longTopic.Message);
        var empty = await Assert.ThrowsAsync<RocketClientException>(() => producer.SendAsync(new Message("TopicA", [])));
        Assert.Contains("empty", empty.Message);
        var oversize = await Assert.ThrowsAsync<RocketClientException>(() => producer.SendAsync(new Message("TopicA", new byte[4 * 1024 * 1024 + 1])));
        Assert.Contains("rocket.client.max-message-size is 4194304 bytes", oversize.Message);
        var reserved = new Message("TopicA", [1]);
        reserved.Properties["UNIQ_KEY"] = "mine";
        Assert.Contains("reserved", (await Assert.ThrowsAsync<RocketClientException>(() => producer.SendAsync(reserved))).Message);
        var mixedBatch = await Assert.ThrowsAsync<RocketClientException>(() => producer.SendBatchAsync([Text("TopicA", "a"), Text("TopicB", "b")]));
        Assert.Contains("one topic", mixedBatch.Message);
        Assert.Throws<RocketClientException>(() => producer.SendOneway(new Message("TopicA", [])));

        Assert.Empty((await StateOf(BrokerA)).ProduceRequests);
        Assert.Equal(0, await NameServer.Ask<int>(new FakeNameServer.GetLookups()));
    }

    [Fact]
    public async Task The_body_limit_is_the_clients_max_message_size_setting()
    {
        SetRoute("TopicA", 1, "broker-a");
        var settings = Settings() with { MaxMessageSize = ClientSettings.FromConfig(
            Akka.Configuration.ConfigurationFactory.ParseString("rocket.client.max-message-size = 1k")).MaxMessageSize };
        Assert.Equal(1024, settings.MaxMessageSize);
        await using var client = RocketClient.Create(settings);
        var producer = client.CreateProducer();

        var oversize = await Assert.ThrowsAsync<RocketClientException>(() => producer.SendAsync(new Message("TopicA", new byte[1025])));
        Assert.Contains("message body is 1025 bytes; rocket.client.max-message-size is 1024 bytes", oversize.Message);
        var batch = await Assert.ThrowsAsync<RocketClientException>(() =>
            producer.SendBatchAsync([new Message("TopicA", new byte[600]), new Message("TopicA", new byte[600])]));
        Assert.Contains("batch bodies total 1200 bytes; rocket.client.max-message-size is 1024 bytes", batch.Message);
        Assert.Empty((await StateOf(BrokerA)).ProduceRequests);
    }

    [Fact]
    public async Task Unreachable_seeds_give_a_clear_exception_within_the_timeout()
    {
        int deadPort = FreePort();
        await using var client = RocketClient.Create(new ClientSettings { Seeds = [$"127.0.0.1:{deadPort}"], SendTimeout = TimeSpan.FromSeconds(1) });
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RocketClientException>(() => client.CreateProducer().SendAsync(Text("TopicA", "x")));

        Assert.StartsWith($"no seed reachable at 127.0.0.1:{deadPort}", error.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(4));
        await Assert.ThrowsAsync<RocketClientException>(() => client.GetRouteAsync("TopicA"));
    }

    [Fact]
    public async Task The_second_seed_answers_when_the_first_is_down()
    {
        SetRoute("TopicA", 2, "broker-a");
        await using var client = RocketClient.Create(new ClientSettings
        {
            // Each seed gets half the timeout: room for a first connection on a loaded machine (CI failed with 2 s).
            Seeds = [$"127.0.0.1:{FreePort()}", $"127.0.0.1:{Port}"], SendTimeout = TimeSpan.FromSeconds(10),
        });

        var route = await client.GetRouteAsync("TopicA");

        Assert.NotNull(route);
        Assert.Equal("broker-a", Assert.Single(route.Brokers).BrokerName);
    }

    [Fact]
    public async Task Callback_oneway_batch_and_selector_sends_reach_the_broker()
    {
        SetRoute("TopicA", 4, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var producer = client.CreateProducer();

        var callback = new TaskCompletionSource<SendResult?>();
        producer.SendAsync(Text("TopicA", "cb"), (r, e) => { if (e is null) callback.SetResult(r); else callback.SetException(e); });
        Assert.Equal(SendStatus.SendOk, (await callback.Task)!.Status);

        var batch = await producer.SendBatchAsync([Text("TopicA", "b1"), Text("TopicA", "b2"), Text("TopicA", "b3")]);
        Assert.Equal(3, batch.MessageId.Split(',').Length);

        var ordered = await producer.SendAsync(Text("TopicA", "o"), (queues, _, arg) => queues[(int)arg! % queues.Count], 6);
        Assert.Equal(2, ordered.QueueId);

        producer.SendOneway(Text("TopicA", "oneway"));
        await AwaitConditionAsync(async () => (await StateOf(BrokerA)).Stored.Values.Sum(l => l.Count) == 6, TimeSpan.FromSeconds(5));
        var batchQueue = (await StateOf(BrokerA)).Stored[("TopicA", batch.QueueId)];
        Assert.Equal(["b1", "b2", "b3"], batchQueue.Skip((int)batch.QueueOffset).Take(3).Select(m => Encoding.UTF8.GetString(m.Body)));
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
