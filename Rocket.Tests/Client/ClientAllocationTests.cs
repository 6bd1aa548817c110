using System.Diagnostics;
using Akka.Actor;
using Rocket.Client;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>
/// Bytes the client allocates per message on its send and push-consume paths (docs/performance.md, "Client hot path").
/// The broker is a <see cref="FakeBroker"/> inside the client's own actor system, so nothing crosses Akka.Remote and the
/// process-wide allocation count is the client's code, Akka's local messaging and the fake broker's small share. The
/// bounds have headroom for noise but fail on a return to the old figures (about 3.0 KB per send, 1.6 KB per consumed
/// message measured this way before the hot-path work; about 1.9 KB and 0.35 KB after; a send about 1.15 KB since its first
/// attempt completes the caller's task itself; a consumed message 0.21 KB since its unfinished offset is an array entry
/// and a pulled batch is the pulled array, 0.25 KB before).
/// It runs alone, after the parallel tests (<see cref="Rocket.Tests.Support.MultiProcess.Collection"/>): the count is
/// process-wide, so another class running beside it would add its garbage, and its tens of thousands of messages kept
/// both cores busy enough to make other classes' 3 s client timeouts fail in CI.
/// </summary>
[Collection(Rocket.Tests.Support.MultiProcess.Collection)]
public sealed class ClientAllocationTests : FakeClusterTestBase
{
    private readonly ITestOutputHelper _output;

    public ClientAllocationTests(ITestOutputHelper output) : base(output) => _output = output;

    private const int Warmup = 3_000;
    private const int Count = 20_000;
    private const int InFlight = 256;
    private static readonly byte[] Body = new byte[1024];

    [Fact]
    public async Task A_send_allocates_less_than_the_bound_per_message()
    {
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(30) }));
        await RouteToLocalBrokerAsync(client, "AllocSend");
        var producer = client.CreateProducer();

        await SendAsync(producer, "AllocSend", Warmup);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        await SendAsync(producer, "AllocSend", Count);
        double perMessage = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Count;
        _output.WriteLine($"send: {perMessage:0} bytes/message, {Count / watch.Elapsed.TotalSeconds:0} msgs/s");

        Assert.InRange(perMessage, 0, SendBound);
    }

    [Fact]
    public async Task A_push_consumed_message_allocates_less_than_the_bound()
    {
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromSeconds(30) }));
        await RouteToLocalBrokerAsync(client, "AllocConsume");
        var producer = client.CreateProducer();
        await SendAsync(producer, "AllocConsume", Warmup + Count);

        int received = 0;
        var warm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long before = 0;
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("AllocGroup") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("AllocConsume")
            .RegisterHandler(batch =>
            {
                int n = Interlocked.Add(ref received, batch.Count);
                if (n >= Warmup && n - batch.Count < Warmup)
                {
                    before = GC.GetTotalAllocatedBytes(precise: true);
                    warm.TrySetResult();
                }
                if (n >= Warmup + Count) done.TrySetResult();
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();
        await warm.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var watch = Stopwatch.StartNew();
        await done.Task.WaitAsync(TimeSpan.FromSeconds(120));
        double perMessage = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Count;
        _output.WriteLine($"consume: {perMessage:0} bytes/message, {Count / watch.Elapsed.TotalSeconds:0} msgs/s");
        await consumer.StopAsync();

        Assert.InRange(perMessage, 0, ConsumeBound);
    }

    /// <summary>About 1,150 bytes since a send's first attempt is its own task (FirstAttemptSend); 1,300–1,330 before.</summary>
    private const double SendBound = 1_280;
    /// <summary>209–218 bytes since the unfinished offsets are an array (UnfinishedOffsets); 246–263 with a SortedSet node each.</summary>
    private const double ConsumeBound = 240;

    /// <summary>A fake broker in the client's own system, routed for <paramref name="topic"/>: local messaging only.</summary>
    private async Task RouteToLocalBrokerAsync(RocketClient client, string topic)
    {
        client.System.ActorOf(Props.Create(() => new FakeBroker("broker-local")), "broker-local");
        var address = ((ExtendedActorSystem)client.System).Provider.DefaultAddress;
        NameServer.Tell(new FakeNameServer.SetRoute(new TopicRoute(topic,
            [new QueueData("broker-local", 4, 4, TopicPerm.ReadWrite)],
            [new BrokerAddress("DefaultCluster", "broker-local", 0, $"{address}/user/broker-local")])));
        await client.Admin.WaitForTopicAsync(topic, TimeSpan.FromSeconds(30));
    }

    /// <summary>Sends <paramref name="count"/> 1 KiB messages with <see cref="InFlight"/> sends awaiting at a time, as the peers harness does.</summary>
    private static async Task SendAsync(Producer producer, string topic, int count)
    {
        int next = 0;
        async Task Lane()
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                var result = await producer.SendAsync(new Message(topic, Body) { Tags = "TagA" });
                if (result.Status != SendStatus.SendOk) throw new InvalidOperationException($"send failed: {result.Status}");
            }
        }
        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => Lane()));
    }
}
