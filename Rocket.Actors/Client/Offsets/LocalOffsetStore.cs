using System.Collections.Concurrent;
using Rocket.Protocol;

namespace Rocket.Client.Offsets;

/// <summary>
/// One broadcasting consumer's offset file, <c>&lt;dir&gt;/&lt;clientId&gt;/&lt;group&gt;/offsets.json</c>, where the client id is
/// <c>host@instance-name</c> (stable across restarts, as RocketMQ keeps a broadcasting consumer's instance name).
/// Writes run off the consumer actor's thread, one at a time, in the order asked; the file is held by one consumer
/// per process (a second one of the same group and instance would overwrite it).
/// </summary>
internal sealed class LocalOffsetStore
{
    private static readonly ConcurrentDictionary<string, byte> InUse = new(StringComparer.Ordinal);

    private readonly object _order = new(); // guards only the write chain, never actor state
    private Task _lastWrite = Task.CompletedTask;
    private bool _released;

    private LocalOffsetStore(string path) => Path = path;

    public string Path { get; }

    /// <summary>The file's path for this client and group; <c>~</c> at the start of <paramref name="directory"/> is the home folder.</summary>
    public static string PathFor(string directory, string clientId, string group)
    {
        if (directory.StartsWith('~'))
            directory = System.IO.Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), directory[1..].TrimStart('/', '\\'));
        return System.IO.Path.GetFullPath(System.IO.Path.Join(directory, Safe(clientId), Safe(group), LocalOffsetFile.FileName));
    }

    // Client ids hold '@' and ':' (fine on Linux); '/' or '\' would make extra folders.
    private static string Safe(string name) => name.Replace('/', '_').Replace('\\', '_');

    /// <summary>Takes the file for this consumer and reads it (see <see cref="LocalOffsetFile.Read"/>).</summary>
    /// <exception cref="RocketClientException">Another consumer of this process holds it, or both copies are damaged.</exception>
    public static (LocalOffsetStore Store, LocalOffsetFile.ReadResult Loaded) Open(string path)
    {
        if (!InUse.TryAdd(path, 0))
            throw new RocketClientException(
                $"another broadcasting consumer in this process already keeps its offsets in {path}; give one of them another " +
                "instance name (ClientSettings.InstanceName / rocket.client.instance-name) or LocalOffsetStoreDir");
        try { return (new LocalOffsetStore(path), LocalOffsetFile.Read(path)); }
        catch
        {
            InUse.TryRemove(path, out _);
            throw;
        }
    }

    /// <summary>Queues a write of <paramref name="offsets"/> (a copy the caller no longer changes); the task ends when it is on disk.</summary>
    public Task PersistAsync(IReadOnlyDictionary<MessageQueue, long> offsets)
    {
        lock (_order)
        {
            if (_released) return Task.CompletedTask;
            var path = Path;
            _lastWrite = _lastWrite.ContinueWith(_ => LocalOffsetFile.Write(path, offsets), CancellationToken.None,
                TaskContinuationOptions.None, TaskScheduler.Default);
            return _lastWrite;
        }
    }

    /// <summary>Writes a last time, then frees the file for a later consumer of this process.</summary>
    public Task CloseAsync(IReadOnlyDictionary<MessageQueue, long> offsets)
    {
        var last = PersistAsync(offsets);
        lock (_order) _released = true;
        return last.ContinueWith(t =>
        {
            InUse.TryRemove(Path, out _);
            return t;
        }, TaskScheduler.Default).Unwrap();
    }
}
