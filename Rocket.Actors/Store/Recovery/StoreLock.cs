namespace Rocket.Store.Recovery;

/// <summary>
/// Exclusive lock on the store directory (the <c>lock</c> file, held with an OS file lock for the process lifetime),
/// so two brokers never write one store.
/// </summary>
public sealed class StoreLock : IDisposable
{
    private readonly FileStream _stream;

    private StoreLock(FileStream stream) => _stream = stream;

    public static StoreLock Acquire(string path)
    {
        try
        {
            // On Unix, FileShare.None makes .NET take flock(LOCK_EX | LOCK_NB) on the file.
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            // The locked file cannot be read by others (.NET takes a shared flock to read), so the owner's pid goes
            // beside it, for the error message of the process that finds the store taken.
            File.WriteAllText(OwnerPath(path), $"{Environment.ProcessId}\n");
            return new StoreLock(stream);
        }
        catch (IOException e)
        {
            string owner = "";
            try { owner = File.ReadAllText(OwnerPath(path)).Trim(); } catch (IOException) { }
            throw new StoreLockedException(
                $"the store at {Path.GetDirectoryName(path)} is already in use by another process" +
                (owner.Length > 0 ? $" (pid {owner})" : "") + $": cannot lock {path} ({e.Message})");
        }
    }

    private static string OwnerPath(string path) => path + ".pid";

    public void Dispose() => _stream.Dispose();
}
