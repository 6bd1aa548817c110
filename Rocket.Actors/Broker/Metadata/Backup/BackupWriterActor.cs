using Akka.Actor;
using Akka.Event;

namespace Rocket.Broker.Metadata.Backup;

/// <summary>
/// Writes one backup file. Runs on a dispatcher for blocking I/O (<c>rocket.broker.metadata.backup-dispatcher</c>), so
/// the metadata actor that owns the state only hands over an immutable copy and never waits for the disk.
/// </summary>
public sealed class BackupWriterActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _writes;
    private bool _failing;

    public BackupWriterActor(BackupFile file)
    {
        Receive<WriteBackup>(write =>
        {
            string? error = null;
            try
            {
                file.Write(write.Content.ToJson(++_writes));
                if (_failing) _log.Info("metadata backup {0} written again", file.Path);
                _failing = false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = $"cannot write metadata backup {file.Path}: {e.Message}";
                // Once per failure streak: a full disk would otherwise log every few seconds.
                if (!_failing) _log.Error(error + "; the metadata database still has everything, but a lost database could then only be restored from an older backup");
                _failing = true;
            }
            write.ReplyTo?.Tell(new BackupWritten(file.Path, error));
        });
    }

    public static Props Props(BackupFile file, string dispatcher) =>
        Akka.Actor.Props.Create(() => new BackupWriterActor(file)).WithDispatcher(dispatcher);
}
