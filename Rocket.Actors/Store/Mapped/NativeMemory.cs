using System.Runtime.InteropServices;

namespace Rocket.Store.Mapped;

/// <summary>msync and madvise on exact byte ranges of a mapping: flushing only the dirty pages, not the whole 1 GiB view.</summary>
internal static partial class NativeSync
{
    private const int MsSync = 4; // Linux MS_SYNC

    [LibraryImport("libc", EntryPoint = "msync", SetLastError = true)]
    private static partial int Msync(nint address, nuint length, int flags);

    private const int MadvPopulateWrite = 23; // Linux 5.14+
    private const int MadvDontNeed = 4;
    private const int MadvNormal = 0;
    private const int MadvRandom = 1;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);

    public static readonly int PageSize = Environment.SystemPageSize;

    /// <summary>
    /// Faults the pages of [address, address + length) in for writing now, so the writer never takes a page fault
    /// there. Returns false if the kernel cannot do it (older kernel); the caller then touches the pages itself.
    /// </summary>
    /// <remarks>
    /// Without <paramref name="readAround"/> the range is advised MADV_RANDOM while it is populated, and MADV_NORMAL
    /// again afterwards. A fault on a page not yet in the file otherwise starts the kernel's read-around for it, which
    /// with this VM's 8 MiB read-ahead built 8 MiB of large page-cache folios in one fault: 26-39 ms in one system
    /// call, on a CPU nothing else could use meanwhile (Linux 6.18, no kernel preemption), where page by page the same
    /// 8 MiB took about 5 ms in all (docs/performance.md, fifteenth round). Afterwards the pages are in the page cache,
    /// and readers keep the default read-around should the kernel ever evict them.
    /// </remarks>
    public static bool TryPopulateWrite(nint address, long length, bool readAround = false)
    {
        if (length <= 0) return true;
        if (readAround) return Advise(address, length, MadvPopulateWrite);
        bool advised = Advise(address, length, MadvRandom);
        try
        {
            return Advise(address, length, MadvPopulateWrite);
        }
        finally
        {
            if (advised) Advise(address, length, MadvNormal);
        }
    }

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
