namespace Rocket.Store.Space;

/// <summary>Size and free space of the file system holding a path.</summary>
public readonly record struct DiskSpace(long TotalBytes, long FreeBytes)
{
    public long UsedBytes => TotalBytes - FreeBytes;
    public double UsedPercent => TotalBytes <= 0 ? 0 : 100.0 * UsedBytes / TotalBytes;

    /// <summary>Usage after <paramref name="bytes"/> more are taken.</summary>
    public double UsedPercentAfter(long bytes) => TotalBytes <= 0 ? 0 : 100.0 * (UsedBytes + bytes) / TotalBytes;
}

/// <summary>
/// How full the store's file system is, and the hook every store file creation passes through. Injectable: tests
/// simulate a full disk or a failing file creation without a real small volume.
/// </summary>
public interface IDiskUsageProbe
{
    DiskSpace Measure(string path);

    double UsedPercent(string path) => Measure(path).UsedPercent;

    /// <summary>Called before the store creates a file of <paramref name="bytes"/>; a test probe throws an <see cref="IOException"/> to fail it.</summary>
    void BeforeCreate(string path, long bytes) { }
}

/// <summary>Reads the real file system usage of the drive holding the store.</summary>
public sealed class DriveUsageProbe : IDiskUsageProbe
{
    public static readonly DriveUsageProbe Instance = new();

    /// <summary>
    /// Usage as <c>df</c> reports it: used ÷ (used + available to this process). Blocks reserved for root or held back
    /// by a quota count neither as used nor as free: with the file system's total size instead, a volume with a large
    /// reservation looked 70 % full while df said 23 %, and retention deleted messages to free space that was there.
    /// </summary>
    public DiskSpace Measure(string path)
    {
        var drive = new DriveInfo(Path.GetFullPath(path));
        long used = drive.TotalSize - drive.TotalFreeSpace;
        return new DiskSpace(used + drive.AvailableFreeSpace, drive.AvailableFreeSpace);
    }
}

/// <summary>
/// A probe whose usage the caller sets (of a nominal 1 TiB volume, so file sizes barely move it): for tests and for the
/// benchmark's what-if runs. <see cref="CreateFault"/> makes store file creations fail as on a real full disk.
/// </summary>
public sealed class FixedDiskUsageProbe(double usedPercent) : IDiskUsageProbe
{
    private const long NominalTotal = 1L << 40;
    private double _usedPercent = usedPercent;
    private volatile Func<string, string?>? _createFault;

    public double Value
    {
        get => Volatile.Read(ref _usedPercent);
        set => Volatile.Write(ref _usedPercent, value);
    }

    /// <summary>
    /// While set, asked with the path of each store file about to be created: a non-null answer fails that creation
    /// with an IOException carrying the text (e.g. "No space left on device").
    /// </summary>
    public Func<string, string?>? CreateFault
    {
        get => _createFault;
        set => _createFault = value;
    }

    public DiskSpace Measure(string path) => new(NominalTotal, (long)(NominalTotal * (1 - Value / 100)));

    public double UsedPercent(string path) => Value;

    public void BeforeCreate(string path, long bytes)
    {
        if (_createFault?.Invoke(path) is { } failure) throw new IOException(failure);
    }
}
