using Rocket.Store.Index;
using Rocket.Store.Mapped;

namespace Rocket.Store.Projection;

/// <summary>
/// Consume-queue and key-index files that retention took out of the projections on the projector's thread, to be
/// deleted on the retention thread: unlinking a file with cached pages costs about 1 ms per 6 MB consume-queue file
/// and 90 ms per 420 MB index file here, which must not stall projection (and with it the consumers' long polls).
/// </summary>
internal sealed class ExpiredProjectionFiles
{
    public List<MappedSegment> QueueFiles { get; } = new();
    public List<IndexFile> IndexFiles { get; } = new();

    /// <summary>Set when taking them out failed part-way: what is here left the projections, the rest did not.</summary>
    public string? Error { get; set; }

    /// <summary>Unmaps (once readers leave) and unlinks every file.</summary>
    public void Delete()
    {
        foreach (var file in QueueFiles) file.Destroy(deleteFile: true);
        foreach (var file in IndexFiles) file.Delete();
    }
}
