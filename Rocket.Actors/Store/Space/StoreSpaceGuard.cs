namespace Rocket.Store.Space;

/// <summary>
/// The disk-full guard every new store file passes (commit-log segments, consume-queue files, index files): a file
/// that would take the store's file system above disk-space-warning-level-ratio is refused with an error naming the
/// file, the usage and the setting, instead of filling the disk or crashing an actor later. Files are created rarely
/// (a segment per mapped-file-size bytes), so the statfs per creation costs nothing on the hot path.
/// </summary>
public sealed class StoreSpaceGuard(string storeDirectory, int warningLevelRatio, IDiskUsageProbe probe)
{
    /// <summary>Throws a <see cref="StoreFullException"/> when a file of <paramref name="bytes"/> at <paramref name="path"/> must not be created.</summary>
    public void BeforeCreate(string path, long bytes)
    {
        var space = probe.Measure(storeDirectory);
        double after = space.UsedPercentAfter(bytes);
        if (space.TotalBytes > 0 && after > warningLevelRatio)
            throw new StoreFullException(
                $"disk full: creating the {Bytes.Format(bytes)} store file {path} would take the store's file system to " +
                $"{after:F1}% used ({Bytes.Format(space.FreeBytes)} free of {Bytes.Format(space.TotalBytes)}), above " +
                $"rocket.store.disk-space-warning-level-ratio = {warningLevelRatio}%");
        probe.BeforeCreate(path, bytes);
    }
}

/// <summary>A store file was refused because the disk is (or would be) over its limit.</summary>
public sealed class StoreFullException(string message) : StoreException(message);

/// <summary>Byte counts for messages people read.</summary>
public static class Bytes
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F1} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):F1} KiB",
        _ => $"{bytes} B",
    };
}
