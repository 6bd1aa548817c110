using System.Diagnostics;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary><see cref="RocketAdmin.WaitForTopicGoneAsync"/> and <see cref="RocketAdmin.WaitForMasterAsync"/> against a fake seed.</summary>
public sealed class AdminWaitTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    /// <summary>Broker id 0 as its group's master, any other id as a slave (a master is found by role, not by id).</summary>
    private static BrokerRecord Broker(string name, long id, params string[] topics) =>
        new("DefaultCluster", name, id, $"/user/{name}", "akka.tcp://rocket@127.0.0.1:1", true, 8,
            topics.Select(t => new TopicConfig(t, 4, 4)).ToArray(), 0, Role: id == 0 ? BrokerRole.AsyncMaster : BrokerRole.Slave);

    private void SetBrokers(params BrokerRecord[] brokers) => NameServer.Tell(new FakeNameServer.SetBrokers(brokers), Akka.Actor.ActorRefs.NoSender);

    [Fact]
    public async Task WaitForTopicGoneAsync_returns_once_no_named_broker_publishes_the_topic()
    {
        SetBrokers(Broker("broker-a", 0, "Going", "Staying"), Broker("broker-b", 0, "Going"));
        await using var client = RocketClient.Create(Settings());
        var waiting = client.Admin.WaitForTopicGoneAsync("Going", ["broker-a", "broker-b"], TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);

        SetBrokers(Broker("broker-a", 0, "Staying"), Broker("broker-b", 0, "Going"));
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted, "broker-b still publishes it");

        SetBrokers(Broker("broker-a", 0, "Staying"), Broker("broker-b", 0));
        await waiting;
        // A broker not named may keep the topic.
        await client.Admin.WaitForTopicGoneAsync("Staying", ["broker-b"], TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitForTopicGoneAsync_fails_after_its_timeout_naming_who_still_publishes_it()
    {
        SetBrokers(Broker("broker-a", 0, "Stuck"));
        await using var client = RocketClient.Create(Settings());
        // Connected first: on a loaded machine the client's first look-up can take longer than the 1 s waited below.
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetClusterViewAsync()).Brokers.Count() == 1, "the fake seed's view");
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RocketClientException>(() => client.Admin.WaitForTopicGoneAsync("Stuck", ["broker-a"], TimeSpan.FromSeconds(1)));
        Assert.Equal(RocketErrorCode.TopicStillRouted, error.Code);
        Assert.Equal("topic 'Stuck' is still published by broker-a after 1 s", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task WaitForMasterAsync_returns_the_masters_once_one_is_published_and_fails_after_its_timeout_without()
    {
        SetBrokers(Broker("broker-a", 1)); // a slave only
        await using var client = RocketClient.Create(Settings());
        // Connected first: on a loaded machine the client's first look-up can take longer than the 0.5 s waited below.
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetClusterViewAsync()).Brokers.Count() == 1, "the fake seed's view");
        var error = await Assert.ThrowsAsync<RocketClientException>(() => client.Admin.WaitForMasterAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Equal("no live master broker appeared in the cluster within 0.5 s", error.Message);

        var waiting = client.Admin.WaitForMasterAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        SetBrokers(Broker("broker-a", 1), Broker("broker-a", 0));
        var masters = await waiting;
        Assert.Equal(("broker-a", 0L), (Assert.Single(masters).BrokerName, masters[0].BrokerId));
    }

    [Fact]
    public async Task The_waits_ride_out_a_seed_that_does_not_answer_for_a_while_and_name_it_when_it_never_does()
    {
        SetBrokers(Broker("broker-a", 0, "Going"));
        await using var client = RocketClient.Create(Settings(s => s with { SendTimeout = TimeSpan.FromMilliseconds(500) }));
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetClusterViewAsync()).Brokers.Count() == 1, "the fake seed's view");
        NameServer.Tell(new FakeNameServer.SetSilent(true), Akka.Actor.ActorRefs.NoSender);

        // Silent for several ask timeouts, then answering: the waits go on until their own deadline.
        var master = client.Admin.WaitForMasterAsync(TimeSpan.FromSeconds(20));
        var gone = client.Admin.WaitForTopicGoneAsync("Going", ["broker-a"], TimeSpan.FromSeconds(20));
        var routed = client.Admin.WaitForTopicAsync("Going", TimeSpan.FromSeconds(20));
        await Task.Delay(1500);
        Assert.False(master.IsCompleted || gone.IsCompleted || routed.IsCompleted, "no seed answered yet");
        SetRoute("Going", 4, "broker-a");
        SetBrokers(Broker("broker-a", 0));
        NameServer.Tell(new FakeNameServer.SetSilent(false), Akka.Actor.ActorRefs.NoSender);
        Assert.Equal("broker-a", Assert.Single(await master).BrokerName);
        await gone;
        await routed;

        // Silent throughout: the error says no seed answered, not that the condition failed.
        NameServer.Tell(new FakeNameServer.SetSilent(true), Akka.Actor.ActorRefs.NoSender);
        var error = await Assert.ThrowsAsync<RocketClientException>(() => client.Admin.WaitForMasterAsync(TimeSpan.FromSeconds(1)));
        Assert.StartsWith("no seed reachable at 127.0.0.1:", error.Message);
    }
}
