namespace Rocket.Broker.Metadata.Recovery;

/// <summary>The broker must not start on this metadata; the message names the file and what to do.</summary>
public sealed class MetadataRecoveryException(string message) : Exception(message);
