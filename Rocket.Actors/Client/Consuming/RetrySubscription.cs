using Rocket.Protocol;
using Rocket.Protocol.Filtering;

namespace Rocket.Client.Consuming;

/// <summary>
/// A clustering push consumer also consumes its group's retry topic <c>%RETRY%&lt;group&gt;</c> with <c>*</c>
/// (RocketMQ's automatic subscription): messages its members sent back come back through it.
/// </summary>
internal static class RetrySubscription
{
    /// <summary>Adds the retry topic to <paramref name="subscriptions"/> (an explicit subscription to it is kept) and returns its name.</summary>
    public static string Add(string group, Dictionary<string, SubscriptionFilter> subscriptions)
    {
        string topic = SystemTopics.RetryTopic(group);
        if (ResourceNames.CheckTopic(topic) is { } error)
            throw new RocketClientException(
                $"group '{group}' is too long for a clustering push consumer: its retry topic cannot be named ({error})");
        subscriptions.TryAdd(topic, SubscriptionFilter.All);
        return topic;
    }
}
