namespace Rocket.Broker.TopicDeletion;

/// <summary>Tells the produce actor to stop writing a topic (its delete starts); answered with <see cref="TopicHeld"/>.</summary>
public sealed record HoldTopic(string Topic);

public sealed record TopicHeld(string Topic);

/// <summary>
/// Ends a hold. <paramref name="Deleted"/>: the topic is gone, so messages that waited go to a new, empty topic
/// (auto-create on) or fail (off).
/// </summary>
public sealed record ReleaseTopic(string Topic, bool Deleted);

/// <summary>Tells the pull side a topic is gone: its queue actors stop and answer the pulls they hold.</summary>
public sealed record TopicDeleted(string Topic);
