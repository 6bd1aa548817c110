using System.Diagnostics;
using Rocket.Client;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

public sealed class WaitForTopicTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    [Fact]
    public async Task WaitForTopicAsync_returns_once_the_seeds_route_the_topic_and_the_next_send_uses_that_route()
    {
        await using var client = RocketClient.Create(Settings());
        var waiting = client.Admin.WaitForTopicAsync("Appearing", TimeSpan.FromSeconds(10));
        await Task.Delay(300); // the topic appears while the caller waits
        Assert.False(waiting.IsCompleted);

        SetRoute("Appearing", 2, "broker-a");
        var route = await waiting;
        Assert.Equal("broker-a", Assert.Single(route.Queues).BrokerName);
        await client.CreateProducer().SendAsync(Text("Appearing", "first"));
        Assert.Single((await StateOf(BrokerA)).ProduceRequests);
    }

    [Fact]
    public async Task WaitForTopicAsync_fails_after_its_timeout_saying_what_is_missing()
    {
        await using var client = RocketClient.Create(Settings());
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RocketClientException>(() => client.Admin.WaitForTopicAsync("Never", TimeSpan.FromSeconds(1)));
        Assert.Equal(RocketErrorCode.TopicNotRoutable, error.Code);
        Assert.Equal("topic 'Never' is not routable after 1 s: the seeds know no broker that has it", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6));
        await Assert.ThrowsAsync<RocketClientException>(() => client.Admin.WaitForTopicAsync("bad topic!", TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Waiting_for_a_configuration_waits_until_every_named_broker_routes_it_as_configured()
    {
        SetRoute("Grown", 2, "broker-a", "broker-b");
        await using var client = RocketClient.Create(Settings());
        var expected = new TopicConfig("Grown", 4, 4);

        var error = await Assert.ThrowsAsync<RocketClientException>(() =>
            client.Admin.WaitForTopicAsync(expected, ["broker-a", "broker-b"], TimeSpan.FromMilliseconds(500)));
        Assert.Contains("not yet routed as", error.Message);
        Assert.Contains("broker-a, broker-b", error.Message);

        var waiting = client.Admin.WaitForTopicAsync(expected, ["broker-a", "broker-b"], TimeSpan.FromSeconds(10));
        SetRoute("Grown", 4, "broker-a", "broker-b");
        var route = await waiting;
        Assert.All(route.Queues, q => Assert.Equal(4, q.WriteQueues));
    }
}
