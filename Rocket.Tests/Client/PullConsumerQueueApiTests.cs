using System.Text;
using Rocket.Client;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>The pull consumer's queue-level API: queues of a topic, pull at an offset, commit, assign, seek.</summary>
public sealed class PullConsumerQueueApiTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static async Task SendToQueueAsync(Producer producer, string topic, int queueId, params string[] bodies)
    {
        foreach (var body in bodies)
            await producer.SendAsync(Text(topic, body), (queues, _, _) => queues.Single(q => q.QueueId == queueId), null);
    }

    private static string[] Bodies(IEnumerable<ReceivedMessage> messages) => messages.Select(m => Encoding.UTF8.GetString(m.Body)).ToArray();

    private static async Task<List<ReceivedMessage>> PollAtLeastAsync(PullConsumer consumer, int count)
    {
        var polled = new List<ReceivedMessage>();
        var deadline = DateTime.UtcNow + Patience;
        while (polled.Count < count && DateTime.UtcNow < deadline) polled.AddRange(await consumer.PollAsync(TimeSpan.FromMilliseconds(500)));
        return polled;
    }

    [Fact]
    public async Task A_lost_offset_question_is_asked_again_within_the_send_timeout()
    {
        SetRoute("TopicL", 1, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(3) }));
        var consumer = client.CreatePullConsumer(new PullConsumerOptions("GL"));
        var queue = new MessageQueue("TopicL", "broker-a", 0);
        await consumer.CommitAsync(queue, 0);

        // Lost on the way, as a question sent while a just-restarted broker's connection is gated is.
        BrokerA.Tell(new FakeBroker.DropQueries(1), Akka.Actor.ActorRefs.NoSender);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, await consumer.GetCommittedOffsetAsync(queue));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Queues_are_listed_pulled_at_any_offset_and_committed_without_starting()
    {
        SetRoute("TopicP", 2, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(10) }));
        await SendToQueueAsync(client.CreateProducer(), "TopicP", 1, "a", "b", "c", "d");
        var consumer = client.CreatePullConsumer(new PullConsumerOptions("GP"));

        var queues = await consumer.FetchMessageQueuesAsync("TopicP");
        Assert.Equal([new MessageQueue("TopicP", "broker-a", 0), new MessageQueue("TopicP", "broker-a", 1)], queues);
        var q1 = queues[1];

        var first = await consumer.PullAsync(q1, 1, 2);
        Assert.Equal(PullStatus.Found, first.Status);
        Assert.Equal(["b", "c"], Bodies(first.Messages));
        Assert.Equal([1L, 2L], first.Messages.Select(m => m.QueueOffset));
        Assert.Equal(3, first.NextOffset);
        Assert.Equal(4, first.MaxOffset);
        var rest = await consumer.PullAsync(q1, first.NextOffset, 32);
        Assert.Equal(["d"], Bodies(rest.Messages));
        Assert.Equal(PullStatus.NoNewMessage, (await consumer.PullAsync(q1, 4, 32)).Status);
        Assert.Equal(PullStatus.OffsetIllegal, (await consumer.PullAsync(q1, 9, 32)).Status);

        Assert.Equal(-1, await consumer.GetCommittedOffsetAsync(q1));
        await consumer.CommitAsync(q1, 3);
        Assert.Equal(3, await consumer.GetCommittedOffsetAsync(q1));
        Assert.Equal(3, (await StateOf(BrokerA)).Committed[("GP", "TopicP", 1)]);

        var noTopic = await Assert.ThrowsAsync<RocketClientException>(() => consumer.FetchMessageQueuesAsync("Missing"));
        Assert.Equal(RocketErrorCode.TopicNotFound, noTopic.Code);
        var badQueue = await Assert.ThrowsAsync<RocketClientException>(() => consumer.PullAsync(new MessageQueue("TopicP", "broker-a", 5), 0, 1));
        Assert.Contains("TopicP", badQueue.Message);
        await Assert.ThrowsAsync<RocketClientException>(() => consumer.PullAsync(q1, 0, 0));
    }

    [Fact]
    public async Task An_assigned_consumer_polls_only_its_queues_from_the_committed_offset_and_seeks()
    {
        SetRoute("TopicQ", 2, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(10) }));
        var producer = client.CreateProducer();
        await SendToQueueAsync(producer, "TopicQ", 0, "x0", "x1");
        await SendToQueueAsync(producer, "TopicQ", 1, "a", "b", "c");
        var q0 = new MessageQueue("TopicQ", "broker-a", 0);
        var q1 = new MessageQueue("TopicQ", "broker-a", 1);

        var consumer = client.CreatePullConsumer(new PullConsumerOptions("GQ") { ConsumeFrom = ConsumeFrom.First, AutoCommit = false });
        await consumer.CommitAsync(q1, 1); // assign mode starts at the committed offset
        consumer.Assign([q1]);
        Assert.Throws<RocketClientException>(() => consumer.Subscribe("TopicQ"));
        await consumer.StartAsync();
        Assert.Equal(["b", "c"], Bodies(await PollAtLeastAsync(consumer, 2)));
        Assert.DoesNotContain(client.ClientId, (await StateOf(BrokerA)).Consumers.Select(c => c[..c.LastIndexOf('-')])); // no group membership

        await consumer.SeekToBeginAsync(q1);
        Assert.Equal(["a", "b", "c"], Bodies(await PollAtLeastAsync(consumer, 3)));
        await consumer.SeekAsync(q1, 2);
        Assert.Equal(["c"], Bodies(await PollAtLeastAsync(consumer, 1)));
        await consumer.SeekToEndAsync(q1);
        await SendToQueueAsync(producer, "TopicQ", 1, "d");
        Assert.Equal(["d"], Bodies(await PollAtLeastAsync(consumer, 1)));

        var notHeld = await Assert.ThrowsAsync<RocketClientException>(() => consumer.SeekAsync(q0, 0));
        Assert.Contains("does not hold it", notHeld.Message);
        var outside = await Assert.ThrowsAsync<RocketClientException>(() => consumer.SeekAsync(q1, 99));
        Assert.Contains("[0, 4]", outside.Message);
        await consumer.CommitAsync();
        await AwaitConditionAsync(async () => (await StateOf(BrokerA)).Committed.GetValueOrDefault(("GQ", "TopicQ", 1)) == 4, Patience);
        await consumer.StopAsync();
    }

    [Fact]
    public async Task Assign_refuses_a_subscribed_consumer_and_an_empty_list()
    {
        SetRoute("TopicQ", 1, "broker-a");
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(10) }));
        var subscribed = client.CreatePullConsumer(new PullConsumerOptions("G1")).Subscribe("TopicQ");
        Assert.Contains("not both", Assert.Throws<RocketClientException>(() => subscribed.Assign([new MessageQueue("TopicQ", "broker-a", 0)])).Message);
        Assert.Throws<RocketClientException>(() => client.CreatePullConsumer(new PullConsumerOptions("G2")).Assign([]));
    }
}
