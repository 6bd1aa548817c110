using Rocket.Protocol;

namespace Rocket.Broker.Metadata;

/// <summary>
/// Auto-create on first send: creates the topic with <paramref name="Queues"/> queues if it does not exist.
/// Answered with <see cref="TopicEnsured"/>.
/// </summary>
public sealed record EnsureTopic(string Name, int Queues);

/// <summary><see cref="Topic"/> is null when the topic could not be created; <see cref="Error"/> says why.</summary>
public sealed record TopicEnsured(string Name, TopicConfig? Topic, string? Error);

/// <summary>Published by the topic config actor to its subscriber after recovery and after every change.</summary>
public sealed record TopicTableChanged(IReadOnlyDictionary<string, TopicConfig> Topics);

/// <summary>Asks the offset store for every stored offset of a group; answered with <see cref="GroupOffsets"/>.</summary>
public sealed record GetGroupOffsets(string Group);

public sealed record GroupOffsets(string Group, IReadOnlyDictionary<(string Topic, int QueueId), long> Offsets);

/// <summary>Asks the offset store for every group's offsets (a slave copies them); answered with <see cref="AllConsumerOffsets"/>.</summary>
public sealed class GetAllConsumerOffsets
{
    public static readonly GetAllConsumerOffsets Instance = new();
    private GetAllConsumerOffsets() { }
}

public sealed record AllConsumerOffsets(GroupQueueOffset[] Offsets);

/// <summary>Drops every group's offsets on the queues of a deleted topic; answered with <see cref="TopicOffsetsDeleted"/> once durable.</summary>
public sealed record DeleteTopicOffsets(string Topic);

public sealed record TopicOffsetsDeleted(string Topic);
