using Akka.Actor;

namespace Rocket.Broker.Metadata.Backup;

/// <summary>What a backup file holds; rendered by the writer, off the metadata actor's thread.</summary>
public interface IBackupContent
{
    /// <param name="counter">How many times this file was written in this process (RocketMQ's dataVersion counter).</param>
    byte[] ToJson(long counter);
}

/// <summary>Asks a <see cref="BackupWriterActor"/> to write <paramref name="Content"/>; <paramref name="ReplyTo"/>, if any, gets <see cref="BackupWritten"/>.</summary>
public sealed record WriteBackup(IBackupContent Content, IActorRef? ReplyTo);

/// <summary><see cref="Error"/> is null when <see cref="File"/> was written.</summary>
public sealed record BackupWritten(string File, string? Error);

/// <summary>
/// Asks the metadata actors (through the broker) to write their backups now, e.g. at a clean shutdown; answered with
/// <see cref="MetadataBackupFlushed"/> once every backup file is written (or failed).
/// </summary>
public sealed record FlushMetadataBackup
{
    public static readonly FlushMetadataBackup Instance = new();
}

/// <summary><see cref="Errors"/> is empty when every backup was written.</summary>
public sealed record MetadataBackupFlushed(string[] Errors);
