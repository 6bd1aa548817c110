using System.Runtime.InteropServices;

namespace Rocket.Store.Mapped;

/// <summary>msync and madvise on exact byte ranges of a mapping: flushing only the dirty pages, not the whole 1 GiB view.</summary>
internal static partial class NativeSync
{
    private const int MsSync = 4; // Linux MS_SYNC

    [LibraryImport("libc", EntryPoint = "msync", SetLastError = true)]
    private static partial int Msync(nint address, nuint length, int flags);

    private const int MadvDontNeed = 4;
    private const int MadvRandom = 1;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);

    public static readonly int PageSize = Environment.SystemPageSize;

    /// <summary>
    /// Advises the kernel that [address, address + length) is accessed at random (madvise MADV_RANDOM): a page fault
    /// there maps that page alone, with no read-around. Returns false if the kernel refused (nothing changes then).
    /// </summary>
    public static bool AdviseRandom(nint address, long length) => length <= 0 || Advise(address, length, MadvRandom);

    /// <summary>madvise over the pages covering [address, address + length) (it needs a page-aligned start).</summary>
    private static bool Advise(nint address, long length, int advice)
    {
        long misalign = address % PageSize;
        return Madvise(address - (nint)misalign, (nuint)(length + misalign), advice) == 0;
    }

    /// <summary>
    /// Unmaps the whole pages inside [address, address + length) from this process (madvise MADV_DONTNEED). On a shared
    /// file mapping nothing is lost: the pages, dirty or not, stay in the page cache (and are written back as usual),
    /// and the next access maps them again with a minor fault. Only the process's resident set shrinks.
    /// Returns false if the kernel refused (the pages then simply stay mapped).
    /// </summary>
    public static bool ReleasePages(nint address, long length)
    {
        long start = (address + PageSize - 1) / PageSize * PageSize; // inward: never touch a page partly outside
        long end = (address + length) / PageSize * PageSize;
        return end <= start || Madvise((nint)start, (nuint)(end - start), MadvDontNeed) == 0;
    }

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
