using Rocket.Protocol;

namespace Rocket.Broker.Metadata.Recovery;

/// <summary>
/// What the metadata actors persist when they recover an empty journal because the database was lost: topic
/// configs (from the backup and the consume queues on disk) and consumer offsets (from the backup).
/// </summary>
public sealed record MetadataRestore(TopicConfig[] Topics, GroupQueueOffset[] Offsets);
