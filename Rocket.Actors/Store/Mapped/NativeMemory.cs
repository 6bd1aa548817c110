using System.Runtime.InteropServices;

namespace Rocket.Store.Mapped;

/// <summary>msync on an exact byte range: flushing only the dirty pages, not the whole 1 GiB view.</summary>
internal static partial class NativeSync
{
    private const int MsSync = 4; // Linux MS_SYNC

    [LibraryImport("libc", EntryPoint = "msync", SetLastError = true)]
    private static partial int Msync(nint address, nuint length, int flags);

    public static readonly int PageSize = Environment.SystemPageSize;

    /// <summary>Writes the pages covering [address, address + length) to disk and waits for the device.</summary>
    public static void Sync(nint address, long length)
    {
        if (length <= 0) return;
        // msync needs a page-aligned start address.
        long misalign = address % PageSize;
        nint start = address - (nint)misalign;
        nuint len = (nuint)(length + misalign);
        if (Msync(start, len, MsSync) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"msync failed with errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
        }
    }
}
