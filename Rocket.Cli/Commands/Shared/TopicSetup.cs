using Rocket.Client;
using Rocket.Protocol;

namespace Rocket.Cli.Commands.Shared;

/// <summary>Creating a topic and waiting until the seeds publish it, so that the next send or consumer finds its route.</summary>
public static class TopicSetup
{
    public static readonly TimeSpan PropagationWait = TimeSpan.FromSeconds(15);

    /// <summary>Waits until the seeds route the topic on each of <paramref name="brokers"/> as configured; false when they do not in time.</summary>
    public static async Task<bool> AwaitVisibleAsync(RocketClient client, TopicConfig config, IReadOnlySet<string> brokers)
    {
        try
        {
            await client.Admin.WaitForTopicAsync(config, brokers, PropagationWait);
            return true;
        }
        catch (RocketClientException e) when (e.Code == RocketErrorCode.TopicNotRoutable) { return false; }
    }

    /// <summary>Polls the seeds' cluster view until none of <paramref name="brokers"/> publishes <paramref name="topic"/> any more.</summary>
    public static async Task<bool> AwaitGoneAsync(RocketClient client, string topic, IReadOnlySet<string> brokers)
    {
        var deadline = DateTime.UtcNow + PropagationWait;
        while (true)
        {
            var view = await client.Admin.GetClusterViewAsync();
            if (!view.Brokers.Any(b => brokers.Contains(b.BrokerName) && b.Topics.Any(t => t.Name == topic))) return true;
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Waits until the seeds' gossip replica lists at least one live master: a broker that just printed "ready" may not
    /// have reached the seed's view yet.
    /// </summary>
    public static async Task AwaitMasterAsync(RocketClient client)
    {
        var deadline = DateTime.UtcNow + PropagationWait;
        while ((await client.Admin.GetClusterViewAsync()).Brokers.All(b => b.BrokerId != 0))
        {
            if (DateTime.UtcNow > deadline)
                throw new RocketClientException($"no live master broker appeared in the cluster within {PropagationWait.TotalSeconds:0} s");
            await Task.Delay(200);
        }
    }

    /// <summary>Uses the topic if some broker has it; otherwise creates it with <paramref name="queues"/> queues on every master.</summary>
    public static async Task EnsureAsync(RocketClient client, CliContext cli, string topic, int queues)
    {
        if (await client.GetRouteAsync(topic) is not null) return;
        await AwaitMasterAsync(client);
        var config = new TopicConfig(topic, queues, queues);
        var results = await client.Admin.CreateOrUpdateTopicAsync(config);
        if (results.FirstOrDefault(r => !r.Ok) is { } failed)
            throw new RocketClientException($"could not create topic {topic} on {failed.BrokerName}: {failed.Error}");
        cli.Info($"created topic {topic} with {queues} queues on {string.Join(", ", results.Select(r => r.BrokerName))}");
        if (!await AwaitVisibleAsync(client, config, results.Select(r => r.BrokerName).ToHashSet()))
            throw new RocketClientException($"topic {topic} was created but the seeds did not publish it within {PropagationWait.TotalSeconds:0} s");
    }
}
