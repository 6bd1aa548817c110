namespace Rocket.Client.Consuming;

/// <summary>
/// RocketMQ's default assignment: with Q queues and C consumers (both sorted), each consumer gets a contiguous
/// block of Q / C queues and the first Q mod C consumers one more. Consumers beyond Q get nothing.
/// </summary>
internal static class AllocateMessageQueueAveragely
{
    /// <summary>The queues <paramref name="clientId"/> owns; empty when it is not among <paramref name="clientIds"/>.</summary>
    public static IReadOnlyList<T> Allocate<T>(IReadOnlyList<T> sortedQueues, IReadOnlyList<string> sortedClientIds, string clientId)
    {
        int index = -1;
        for (int i = 0; i < sortedClientIds.Count; i++)
            if (sortedClientIds[i] == clientId) { index = i; break; }
        if (index < 0 || sortedQueues.Count == 0) return [];

        int queues = sortedQueues.Count, clients = sortedClientIds.Count;
        int size = queues / clients + (index < queues % clients ? 1 : 0);
        // Everyone before us took one extra queue while index < remainder.
        int start = index * (queues / clients) + Math.Min(index, queues % clients);
        var result = new List<T>(size);
        for (int i = start; i < start + size && i < queues; i++) result.Add(sortedQueues[i]);
        return result;
    }
}
