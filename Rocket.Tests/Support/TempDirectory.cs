using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Rocket.Tests.Support;

/// <summary>
/// A fresh folder under the system temp directory, deleted (with everything in it) on dispose. Its name carries the
/// test process's id, so that the folders a killed test run could not delete are deleted by the next run.
/// </summary>
public sealed partial class TempDirectory : IDisposable
{
    static TempDirectory() => SweepLeftovers(System.IO.Path.GetTempPath());

    public TempDirectory(string? prefix = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"rocket-{prefix ?? "test"}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    /// <summary>Deletes the folders under <paramref name="root"/> that a test process no longer running left; returns how many.</summary>
    internal static int SweepLeftovers(string root)
    {
        int swept = 0;
        foreach (var dir in Directory.EnumerateDirectories(root, "rocket-*"))
        {
            var match = OwnedName().Match(System.IO.Path.GetFileName(dir));
            if (!match.Success || IsRunning(int.Parse(match.Groups[1].Value))) continue;
            try
            {
                Directory.Delete(dir, recursive: true);
                swept++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // another user's, or going already
        }
        return swept;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; } // no such process
    }

    [GeneratedRegex(@"^rocket-.+-(\d{1,9})-[0-9a-f]{32}$")]
    private static partial Regex OwnedName();
}
