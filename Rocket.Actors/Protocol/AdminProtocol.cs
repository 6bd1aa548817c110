namespace Rocket.Protocol;

/// <summary>RocketMQ's permission bits: 2 = write, 4 = read, 6 = read-write.</summary>
[Flags]
public enum TopicPerm { None = 0, Write = 2, Read = 4, ReadWrite = 6 }

/// <summary>A topic on one broker (RocketMQ's TopicConfig).</summary>
public sealed record TopicConfig(string Name, int ReadQueues, int WriteQueues, TopicPerm Perm = TopicPerm.ReadWrite) : IRocketMessage;

/// <summary>Creates or updates a topic on the broker that receives it; answered with <see cref="AdminResult"/>.</summary>
public sealed record CreateOrUpdateTopic(TopicConfig Topic) : IRocketMessage;

/// <summary>
/// Deletes a topic on the broker that receives it: config, consume queues and every group's offsets (the commit log
/// keeps the bytes, unreachable, until retention). Answered with <see cref="AdminResult"/> once all of it is gone.
/// </summary>
public sealed record DeleteTopic(string Name) : IRocketMessage;

public sealed record AdminResult(bool Ok, string? Error = null) : IRocketMessage;

/// <summary>Asks a broker for its topic configs; answered with <see cref="TopicConfigs"/>.</summary>
public sealed record GetTopicConfigs : IRocketMessage
{
    public static readonly GetTopicConfigs Instance = new();
}

public sealed record TopicConfigs(string BrokerName, TopicConfig[] Topics) : IRocketMessage;
