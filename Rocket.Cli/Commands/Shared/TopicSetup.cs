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

    /// <summary>Waits until the seeds no longer route <paramref name="topic"/> to any of <paramref name="brokers"/>; false when they still do in time.</summary>
    public static async Task<bool> AwaitGoneAsync(RocketClient client, string topic, IReadOnlySet<string> brokers)
    {
        try
        {
            await client.Admin.WaitForTopicGoneAsync(topic, brokers, PropagationWait);
            return true;
        }
        catch (RocketClientException e) when (e.Code == RocketErrorCode.TopicStillRouted) { return false; }
    }

    /// <summary>Uses the topic if some broker has it; otherwise creates it with <paramref name="queues"/> queues on every master.</summary>
    public static async Task EnsureAsync(RocketClient client, CliContext cli, string topic, int queues)
    {
        if (await client.GetRouteAsync(topic) is not null) return;
        await client.Admin.WaitForMasterAsync(PropagationWait);
        var config = new TopicConfig(topic, queues, queues);
        var results = await client.Admin.CreateOrUpdateTopicAsync(config);
        if (results.FirstOrDefault(r => !r.Ok) is { } failed)
            throw new RocketClientException($"could not create topic {topic} on {failed.BrokerName}: {failed.Error}");
        cli.Info($"created topic {topic} with {queues} queues on {string.Join(", ", results.Select(r => r.BrokerName))}");
        if (!await AwaitVisibleAsync(client, config, results.Select(r => r.BrokerName).ToHashSet()))
            throw new RocketClientException($"topic {topic} was created but the seeds did not publish it within {PropagationWait.TotalSeconds:0} s");
    }
}
