namespace Rocket.Store.Recovery;

/// <summary>
/// Replaces a small file all at once: written to <c>path.tmp</c>, flushed to disk, then renamed over the old one, so a
/// crash leaves either the old content or the new, never a torn mix.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
