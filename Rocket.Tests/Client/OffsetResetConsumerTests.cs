using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using Rocket.Client;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>A push consumer given a broker's offset reset (RESET_CONSUMER_CLIENT_OFFSET) continues from the new offsets.</summary>
public sealed class OffsetResetConsumerTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // A generous send timeout: on a loaded machine the first send over a new association can take seconds.
    private ClientSettings FastCommits() => Settings(s => s with
    {
        SendTimeout = TimeSpan.FromSeconds(10),
        PersistConsumerOffsetInterval = TimeSpan.FromMilliseconds(100),
        HeartbeatBrokerInterval = TimeSpan.FromMilliseconds(200),
    });

    private async Task<IActorRef> ConsumerActorAsync() =>
        (await BrokerA.Ask<IActorRef[]>(new FakeBroker.GetConsumerActors(), Patience)).Single();

    private async Task<string[]> EventsAsync() => await BrokerA.Ask<string[]>(new FakeBroker.GetOffsetEvents(), Patience);

    private static long? LastCommit(string[] events, string prefix) =>
        events.Where(e => e.StartsWith(prefix, StringComparison.Ordinal)).Select(e => (long?)long.Parse(e[prefix.Length..])).LastOrDefault();

    [Fact]
    public async Task A_consumer_adopts_a_reset_answers_before_it_commits_again_and_redelivers_from_the_new_offset()
    {
        SetRoute("TopicR", 1, "broker-a");
        await using var client = RocketClient.Create(FastCommits());
        var producer = client.CreateProducer();
        for (int i = 0; i < 6; i++) await producer.SendAsync(Text("TopicR", $"m{i}"));
        var received = new ConcurrentQueue<string>();
        await using var consumer = client.CreatePushConsumer(new PushConsumerOptions("GR") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("TopicR")
            .RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(Encoding.UTF8.GetString(m.Body));
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();
        await AwaitConditionAsync(async () => LastCommit(await EventsAsync(), "commit GR TopicR 0 ") == 6, Patience);

        (await ConsumerActorAsync()).Tell(new ResetConsumerOffsets("broker-a", "GR", "TopicR", 42, [new QueueOffset("TopicR", 0, 2)]), TestActor);

        await AwaitConditionAsync(() => Task.FromResult(received.Count == 10), Patience);
        Assert.Equal(["m0", "m1", "m2", "m2", "m3", "m3", "m4", "m4", "m5", "m5"], received.Order());
        await AwaitConditionAsync(async () => LastCommit(await EventsAsync(), "commit GR TopicR 0 ") == 6 &&
                                              (await EventsAsync()).Contains("adopted GR TopicR 42"), Patience);
        var events = await EventsAsync();
        int adopted = Array.IndexOf(events, "adopted GR TopicR 42");
        // Between reaching 6 and the answer only the old position; after the answer only positions of the new one (2..6).
        int reachedSix = Array.IndexOf(events, "commit GR TopicR 0 6");
        Assert.InRange(reachedSix, 0, adopted);
        Assert.DoesNotContain(events[reachedSix..adopted], e => e.StartsWith("commit GR TopicR 0 ", StringComparison.Ordinal) && long.Parse(e["commit GR TopicR 0 ".Length..]) < 6);
        Assert.All(events[(adopted + 1)..].Where(e => e.StartsWith("commit GR TopicR 0 ", StringComparison.Ordinal)),
            e => Assert.InRange(long.Parse(e["commit GR TopicR 0 ".Length..]), 2, 6));
    }

    [Fact]
    public async Task A_batch_still_in_the_handler_when_the_reset_arrives_no_longer_pins_the_offset()
    {
        SetRoute("TopicS", 1, "broker-a");
        await using var client = RocketClient.Create(FastCommits());
        var producer = client.CreateProducer();
        for (int i = 0; i < 3; i++) await producer.SendAsync(Text("TopicS", $"m{i}"));
        using var gate = new ManualResetEventSlim(false);
        using var entered = new ManualResetEventSlim(false);
        var received = new ConcurrentQueue<string>();
        await using var consumer = client.CreatePushConsumer(new PushConsumerOptions("GS") { ConsumeFrom = ConsumeFrom.First, ConsumeBatchSize = 3 })
            .Subscribe("TopicS")
            .RegisterHandler(batch =>
            {
                foreach (var m in batch) received.Enqueue(Encoding.UTF8.GetString(m.Body));
                if (batch[0].QueueOffset == 0)
                {
                    entered.Set();
                    gate.Wait(Patience); // the first batch stays in the handler until the test lets it go
                }
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();
        Assert.True(entered.Wait(Patience));

        // Skip the backlog (reset to last) while offsets 0..2 are still being handled: the offset moves at once.
        (await ConsumerActorAsync()).Tell(new ResetConsumerOffsets("broker-a", "GS", "TopicS", 7, [new QueueOffset("TopicS", 0, 3)]), TestActor);
        await AwaitConditionAsync(async () => LastCommit(await EventsAsync(), "commit GS TopicS 0 ") == 3, Patience);

        gate.Set();
        await producer.SendAsync(Text("TopicS", "late"));
        await AwaitConditionAsync(async () => LastCommit(await EventsAsync(), "commit GS TopicS 0 ") == 4, Patience);
        var events = await EventsAsync();
        int adopted = Array.IndexOf(events, "adopted GS TopicS 7");
        Assert.True(adopted >= 0);
        Assert.All(events[(adopted + 1)..].Where(e => e.StartsWith("commit GS TopicS 0 ", StringComparison.Ordinal)),
            e => Assert.InRange(long.Parse(e["commit GS TopicS 0 ".Length..]), 3, 4));
        Assert.Equal(["late", "m0", "m1", "m2"], received.Order()); // the old batch was not delivered again
    }
}
