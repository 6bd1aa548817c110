namespace Rocket.Hosting;

/// <summary>
/// Checks that the store directory can be used before the store opens, so that a path that is a file, lies under a
/// file or is not writable ends the process with one line naming it, not a stack trace, and leaves nothing behind.
/// </summary>
public static class StoreDirectory
{
    /// <summary>Null when <paramref name="path"/> is (or can be created as) a writable directory; otherwise the error line.</summary>
    public static string? Problem(string path)
    {
        if (File.Exists(path)) return $"the store directory {path} is a file, not a directory (rocket.store.dir / --store)";
        if (FileAncestor(path) is { } file) return $"cannot create the store directory {path}: {file} is a file (rocket.store.dir / --store)";
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot create the store directory {path}: {e.Message} (rocket.store.dir / --store)";
        }
        // Creating a file is what the store does first (lock, abort file); a probe removes itself on close.
        var probe = Path.Combine(path, $".write-check-{Environment.ProcessId}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the store directory {path} is not writable: {e.Message} (rocket.store.dir / --store)";
        }
    }

    private static string? FileAncestor(string path)
    {
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); dir is not null; dir = Path.GetDirectoryName(dir))
            if (File.Exists(dir)) return dir;
        return null;
    }
}
