namespace Rocket.Store.Retention;

/// <summary>How full the store's file system is, in percent. Injectable so tests can simulate a full disk.</summary>
public interface IDiskUsageProbe
{
    double UsedPercent(string path);
}

/// <summary>Reads the real file system usage of the drive holding the store.</summary>
public sealed class DriveUsageProbe : IDiskUsageProbe
{
    public static readonly DriveUsageProbe Instance = new();

    public double UsedPercent(string path)
    {
        var drive = new DriveInfo(Path.GetFullPath(path));
        return drive.TotalSize == 0 ? 0 : 100.0 * (drive.TotalSize - drive.AvailableFreeSpace) / drive.TotalSize;
    }
}

/// <summary>A probe whose value the caller sets: for tests and for the benchmark's what-if runs.</summary>
public sealed class FixedDiskUsageProbe(double usedPercent) : IDiskUsageProbe
{
    private double _usedPercent = usedPercent;

    public double Value
    {
        get => Volatile.Read(ref _usedPercent);
        set => Volatile.Write(ref _usedPercent, value);
    }

    public double UsedPercent(string path) => Value;
}
