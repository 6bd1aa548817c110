using System.Diagnostics;

namespace Rocket.Tests.Support;

/// <summary>
/// <c>chattr +i</c> on a directory for the life of this object: nothing can be created in it, not even by root (the
/// tests run as root, so permissions alone cannot make a directory unwritable). Needs a file system with attributes
/// (ext4, xfs) and CAP_LINUX_IMMUTABLE; the test fails saying so otherwise.
/// </summary>
public sealed class Immutable : IDisposable
{
    private readonly string _path;

    private Immutable(string path) => _path = path;

    public static Immutable Make(string path)
    {
        Chattr("+i", path);
        return new Immutable(path);
    }

    public void Dispose() => Chattr("-i", _path);

    private static void Chattr(string flag, string path)
    {
        using var process = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not start chattr");
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"chattr {flag} {path} failed ({error.Trim()}): this test needs chattr on the temp folder's file system");
    }
}
