using Rocket.Protocol;

namespace Rocket.Broker.Metadata;

/// <summary>What makes a topic config acceptable; each error names the field and the allowed range.</summary>
public static class TopicRules
{
    public const int MaxQueues = 1024;

    /// <summary>Null when <paramref name="topic"/> may be stored, else the reason.</summary>
    public static string? Check(TopicConfig topic)
    {
        if (ResourceNames.CheckTopic(topic.Name) is { } nameError) return nameError;
        if (SystemTopics.IsInternal(topic.Name)) return $"topic '{topic.Name}' is internal to the broker and cannot be created or changed";
        if (CheckQueues(topic.Name, "read", topic.ReadQueues) is { } readError) return readError;
        if (CheckQueues(topic.Name, "write", topic.WriteQueues) is { } writeError) return writeError;
        if ((topic.Perm & ~TopicPerm.ReadWrite) != 0)
            return $"topic '{topic.Name}': perm {(int)topic.Perm} has bits other than write (2) and read (4)";
        return null;
    }

    private static string? CheckQueues(string topic, string kind, int count) =>
        count is < 1 or > MaxQueues ? $"topic '{topic}': {kind} queue count {count} is outside 1..{MaxQueues}" : null;
}
