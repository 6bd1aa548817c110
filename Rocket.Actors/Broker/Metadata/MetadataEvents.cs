using Rocket.Protocol;

namespace Rocket.Broker.Metadata;

/// <summary>
/// Marks what the metadata actors write to the journal and snapshot store; bound to <see cref="MetadataSerializer"/>
/// so the stored bytes are Rocket's own format, not a CLR type dump that breaks on a rename.
/// </summary>
public interface IMetadataRecord;

/// <summary>One stored consumer offset: the next offset <see cref="Group"/> will consume on a queue.</summary>
public readonly record struct GroupQueueOffset(string Group, string Topic, int QueueId, long Offset);

/// <summary>Event: the offsets of one <see cref="CommitOffsets"/> that changed the stored value.</summary>
public sealed record OffsetsCommitted(string Group, QueueOffset[] Offsets) : IMetadataRecord;

/// <summary>Event: every group's offsets on the queues of a deleted topic were dropped.</summary>
public sealed record TopicOffsetsRemoved(string Topic) : IMetadataRecord;

/// <summary>Snapshot of every stored consumer offset.</summary>
public sealed record OffsetStoreSnapshot(GroupQueueOffset[] Offsets) : IMetadataRecord;

/// <summary>Event: a topic was created or its config replaced.</summary>
public sealed record TopicSaved(TopicConfig Topic) : IMetadataRecord;

/// <summary>Event: a topic's config was deleted.</summary>
public sealed record TopicRemoved(string Name) : IMetadataRecord;

/// <summary>Snapshot of every topic config.</summary>
public sealed record TopicTableSnapshot(TopicConfig[] Topics) : IMetadataRecord;
