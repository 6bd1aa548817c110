using Akka.Actor;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Processes;

/// <summary>Bad input through the client against a real broker: a clear exception, and nothing stored.</summary>
[Collection(MultiProcess.LaneA)]
public class BadInputTests : IDisposable
{
    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Bad_sends_fail_clearly_and_store_nothing()
    {
        _cluster.StartSeed();
        _cluster.StartBroker("broker-a", extraHocon: "rocket.broker.auto-create-topic-enable = off");
        await using var client = _cluster.Client();
        await MultiProcess.AwaitBrokersAsync(client, "broker-a");
        var producer = client.CreateProducer();

        var unknown = await Assert.ThrowsAsync<RocketSendException>(() => producer.SendAsync(new Message("NoSuchTopic", [1])));
        Assert.Contains("NoSuchTopic", unknown.Message);

        var badName = await Assert.ThrowsAnyAsync<RocketClientException>(() => producer.SendAsync(new Message("bad topic!", [1])));
        Assert.Contains("bad topic!", badName.Message);

        await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig("Small", 1, 1));
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetRouteAsync("Small")) is not null, "route of Small");
        var oversized = await Assert.ThrowsAnyAsync<RocketClientException>(() => producer.SendAsync(new Message("Small", new byte[5 * 1024 * 1024])));
        Assert.Contains("4194304", oversized.Message.Replace(",", ""));

        // The broker's own limit (1 MiB in this cluster) is reported too, and nothing was stored.
        var brokerLimit = await Assert.ThrowsAsync<RocketSendException>(() => producer.SendAsync(new Message("Small", new byte[2 * 1024 * 1024])));
        Assert.Contains("max-message-size", brokerLimit.Message);
        var smallRoute = await client.GetRouteAsync("Small");
        var offsets = await client.System.ActorSelection(smallRoute!.Brokers.Single().Path)
            .Ask<QueueOffsets>(new QueryQueueOffsets("Small", 0), TimeSpan.FromSeconds(10));
        Assert.Equal(0, offsets.MaxOffset);
        Assert.Null(await client.Admin.GetRouteAsync("NoSuchTopic"));
    }

    [Fact]
    public async Task Unreachable_seeds_fail_clearly()
    {
        int port = FreePort.Next();
        await using var client = RocketClient.Create(new ClientSettings { Seeds = [$"127.0.0.1:{port}"], SendTimeout = TimeSpan.FromSeconds(2) });
        var e = await Assert.ThrowsAsync<RocketClientException>(() => client.CreateProducer().SendAsync(new Message("T", [1])));
        Assert.Contains($"no seed reachable at 127.0.0.1:{port}", e.Message);
    }
}
