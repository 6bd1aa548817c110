using System.Diagnostics;
using Xunit;

namespace Rocket.Tests.Support;

/// <summary>
/// A small tmpfs volume mounted in a temp folder (the tests run as root in a sandbox), for stores that really run out
/// of space. Disposing unmounts it (lazily, so a process that still holds a file cannot keep it mounted) and removes
/// the folder; the mount is gone even when the test failed.
/// </summary>
public sealed class TmpfsVolume : IDisposable
{
    private TmpfsVolume(string path) => Path = path;

    public string Path { get; }

    public long TotalBytes => new DriveInfo(Path).TotalSize;
    public long UsedBytes => TotalBytes - new DriveInfo(Path).AvailableFreeSpace;

    public static TmpfsVolume Mount(long bytes)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rocket-tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        if (Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", path) is { } error)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"cannot mount a {bytes}-byte tmpfs at {path}: {error}");
        }
        return new TmpfsVolume(path);
    }

    /// <summary>Why a tmpfs cannot be mounted here, or null when it can (tried once per test run).</summary>
    public static string? Unavailable => LazyUnavailable.Value;

    private static readonly Lazy<string?> LazyUnavailable = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return "needs Linux (tmpfs)";
        try
        {
            using var probe = Mount(1 << 20);
            return null;
        }
        catch (Exception e)
        {
            return $"mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN): {e.Message}";
        }
    });

    /// <summary>Writes a file of <paramref name="bytes"/> real bytes (tmpfs counts them) to take space on the volume.</summary>
    public string Fill(string name, long bytes)
    {
        var file = System.IO.Path.Combine(Path, name);
        using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write);
        var chunk = new byte[1 << 20];
        Array.Fill(chunk, (byte)0x5A);
        for (long left = bytes; left > 0; left -= chunk.Length) stream.Write(chunk, 0, (int)Math.Min(chunk.Length, left));
        return file;
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } // best effort: the folder is empty once unmounted
    }

    private static string? Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : $"{program} exited {process.ExitCode}: {stderr.Trim()}";
    }
}

/// <summary>A fact that needs <see cref="TmpfsVolume"/>: skipped, with the reason in the test report, where mounting is not possible.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (TmpfsVolume.Unavailable is { } reason) Skip = reason;
    }
}
