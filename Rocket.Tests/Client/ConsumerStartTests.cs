using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Rocket.Client;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>StartAsync returns only when the consumer knows where each of its queues starts: nothing sent after it is skipped.</summary>
public sealed class ConsumerStartTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SlowAnswer = TimeSpan.FromMilliseconds(700);

    [Theory]
    [InlineData(ConsumeFrom.First)]
    [InlineData(ConsumeFrom.Last)]
    [InlineData(ConsumeFrom.Timestamp)]
    public async Task A_message_sent_right_after_StartAsync_is_received_even_when_the_broker_answers_offsets_slowly(ConsumeFrom from)
    {
        SetRoute("TopicS", 4, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var producer = client.CreateProducer();
        for (int i = 0; i < 4; i++) await producer.SendAsync(Text("TopicS", $"before-{i}"));
        // Had StartAsync returned before the pullers knew their offsets, the answers (the queues' ends at the time the
        // questions arrived, or later) would start the pullers after the messages sent below: "from last" skips them.
        BrokerA.Tell(new FakeBroker.SlowOffsetAnswers(SlowAnswer), Akka.Actor.ActorRefs.NoSender);
        var received = new ConcurrentQueue<string>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions($"GroupStart{from}")
            {
                ConsumeFrom = from, ConsumeTimestamp = DateTimeOffset.UtcNow.AddMinutes(1),
            })
            .Subscribe("TopicS")
            .RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(Encoding.UTF8.GetString(m.Body));
                return ConsumeResult.Success;
            });

        var clock = Stopwatch.StartNew();
        await consumer.StartAsync();
        Assert.True(clock.Elapsed >= SlowAnswer, $"StartAsync returned after {clock.Elapsed}, before any start offset was answered");
        for (int i = 0; i < 8; i++) await producer.SendAsync(Text("TopicS", $"after-{i}")); // round-robin: every queue gets two

        await AwaitConditionAsync(() => Task.FromResult(received.Count(b => b.StartsWith("after-")) == 8), Patience);
        if (from == ConsumeFrom.First) await AwaitConditionAsync(() => Task.FromResult(received.Count(b => b.StartsWith("before-")) == 4), Patience);
        else Assert.DoesNotContain(received, b => b.StartsWith("before-"));
        await consumer.StopAsync();
    }

    [Fact]
    public async Task StartAsync_fails_naming_the_queue_when_its_broker_never_answers_and_can_be_started_again()
    {
        SetRoute("TopicS", 1, "broker-a");
        await using var client = ClientTimed(sendTimeout: 3, startTimeout: 5);
        BrokerA.Tell(new FakeBroker.SlowOffsetAnswers(null), Akka.Actor.ActorRefs.NoSender);
        var consumer = SilentConsumer(client, "GroupMute");

        await AssertStartTimesOut(consumer, startTimeout: 5, "no start offset yet for TopicS@broker-a#0", latest: 15);
        // It left the group it had joined, so the other members do not wait for its heartbeat to expire.
        await AwaitConditionAsync(async () => (await StateOf(BrokerA)).Unregistrations == 1, Patience);

        BrokerA.Tell(new FakeBroker.SlowOffsetAnswers(TimeSpan.Zero), Akka.Actor.ActorRefs.NoSender);
        await consumer.StartAsync();
        await consumer.StopAsync();
    }

    [Fact]
    public async Task A_lost_member_list_or_offset_question_costs_a_third_of_the_send_timeout_not_the_start()
    {
        // A broker just restarted on its own address: remoting drops what is sent there while the connection is gated.
        // Each question asked once would have waited the whole send timeout, as long as the start may take.
        // Lost: the member list, then the first queue's stored-offset question (the second queue's is answered).
        var took = await StartWhileQuestionsAreLost(queues: 2, lost: 2, sendTimeout: 6, startTimeout: 6, "GroupLost");
        Assert.InRange(took, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task A_member_list_unanswered_for_longer_than_a_send_timeout_delays_the_start_but_does_not_fail_it()
    {
        // A broker restarted on its own address can stay silent for a whole send timeout while the connection is gated
        // (CI saw it): the first rebalance fails, and is tried again until consumer-start-timeout.
        // The member list is asked three times within a send timeout: all three lost, then the retry's first ask too.
        var took = await StartWhileQuestionsAreLost(queues: 1, lost: 4, sendTimeout: 1.5, startTimeout: 10, "GroupSilent");
        Assert.True(took >= TimeSpan.FromSeconds(1.5), $"started after {took}: the first member list was not lost");
    }

    [Fact]
    public async Task A_first_rebalance_that_never_succeeds_fails_the_start_at_its_timeout_naming_why()
    {
        SetRoute("TopicS", 1, "broker-a");
        await using var client = ClientTimed(sendTimeout: 1, startTimeout: 3);
        var consumer = SilentConsumer(client, "GroupNoMembers");

        BrokerA.Tell(new FakeBroker.DropQueries(int.MaxValue), Akka.Actor.ActorRefs.NoSender);
        await AssertStartTimesOut(consumer, startTimeout: 3,
            "the first rebalance (group membership and queue assignment) did not finish: no broker of topic 'TopicS' answered the member list of group 'GroupNoMembers'",
            latest: 10);
    }

    /// <summary>
    /// StartAsync fails with ConsumerStartTimeout once <paramref name="startTimeout"/> seconds have passed (and before
    /// <paramref name="latest"/>), its message naming the timeout and <paramref name="why"/>.
    /// </summary>
    private static async Task AssertStartTimesOut(PushConsumer consumer, double startTimeout, string why, double latest)
    {
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RocketClientException>(consumer.StartAsync);
        Assert.True(error.Code == RocketErrorCode.ConsumerStartTimeout, error.Message);
        Assert.Contains($"did not start within {startTimeout} s", error.Message);
        Assert.Contains(why, error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(startTimeout - 0.1), TimeSpan.FromSeconds(latest));
    }

    /// <summary>Starts (and stops) a consumer of TopicS while broker-a loses its next <paramref name="lost"/> questions; how long the start took.</summary>
    private async Task<TimeSpan> StartWhileQuestionsAreLost(int queues, int lost, double sendTimeout, double startTimeout, string group)
    {
        SetRoute("TopicS", queues, "broker-a");
        await using var client = ClientTimed(sendTimeout, startTimeout);
        var consumer = SilentConsumer(client, group);
        BrokerA.Tell(new FakeBroker.DropQueries(lost), Akka.Actor.ActorRefs.NoSender);
        var clock = Stopwatch.StartNew();
        await consumer.StartAsync();
        var took = clock.Elapsed;
        Output?.WriteLine($"started after {took}");
        await consumer.StopAsync();
        return took;
    }

    private RocketClient ClientTimed(double sendTimeout, double startTimeout) => RocketClient.Create(Settings(s => s with
    {
        SendTimeout = TimeSpan.FromSeconds(sendTimeout), ConsumerStartTimeout = TimeSpan.FromSeconds(startTimeout),
    }));

    private static PushConsumer SilentConsumer(RocketClient client, string group) =>
        client.CreatePushConsumer(new PushConsumerOptions(group)).Subscribe("TopicS").RegisterHandler(_ => ConsumeResult.Success);

    [Fact]
    public async Task Under_ConsumeFrom_Last_a_topic_created_after_start_is_consumed_from_its_first_message()
    {
        await using var client = RocketClient.Create(Settings());
        var received = new ConcurrentQueue<string>();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupNewTopic") { ConsumeFrom = ConsumeFrom.Last })
            .Subscribe("NewTopic")
            .RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(Encoding.UTF8.GetString(m.Body));
                return ConsumeResult.Success;
            });
        await consumer.StartAsync(); // no route yet: nothing to wait for

        SetRoute("NewTopic", 2, "broker-a");
        var producer = client.CreateProducer();
        for (int i = 0; i < 4; i++) await producer.SendAsync(Text("NewTopic", $"m{i}"));

        // Sent after StartAsync, before the consumer's next look at the route found the topic: still delivered.
        await AwaitConditionAsync(() => Task.FromResult(received.Count == 4), Patience);
        Assert.Equal(["m0", "m1", "m2", "m3"], received.Order());
        await consumer.StopAsync();
    }
}
