using System.Text;
using Rocket.Store.Index;
using Rocket.Store.Mapped;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Store;

/// <summary>
/// No read-around where a writer fills fresh pages: the kernel otherwise builds megabytes of zeroed page cache around
/// one fault there, tens of milliseconds on the writer's thread (docs/performance.md, fifteenth round). Consume queue
/// and timer files and the key index are mapped MADV_RANDOM; the commit log's pages are populated ahead of a steady
/// writer under that advice only for the call, and keep the default for their readers.
/// </summary>
public class ReadAroundTests : IDisposable
{
    private readonly TempDirectory _dir = new("readaround");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_new_segment_of_a_file_without_a_prefaulter_is_mapped_without_read_around()
    {
        using var queue = new SegmentedFile(Path.Combine(_dir.Path, "queue"), 1 << 20);
        var segment = queue.GetWritable();

        var mappings = MappedResidency.VmFlagsOf(segment.FilePath);
        Assert.NotEmpty(mappings);
        Assert.All(mappings, flags => Assert.Contains("rr", flags));
    }

    [Fact]
    public void A_steady_prefault_maps_its_pages_and_takes_its_advice_back()
    {
        using var segment = MappedSegment.Open(_dir.Path, 0, 8 << 20);
        segment.Prefault(0, 4 << 20); // page by page, as the prefaulter does behind a steady writer

        Assert.True(MappedResidency.BytesOf(segment.FilePath) >= 4 << 20,
            $"{MappedResidency.BytesOf(segment.FilePath)} bytes mapped after prefaulting 4 MiB");
        // The advice is taken back after the call, so a reader faulting an evicted page still gets read-around.
        Assert.All(MappedResidency.VmFlagsOf(segment.FilePath), flags => Assert.DoesNotContain("rr", flags));
    }

    [Fact]
    public void The_commit_logs_prefaulter_keeps_its_window_ahead_of_the_writer_mapped()
    {
        using var log = new SegmentedFile(Path.Combine(_dir.Path, "log"), 64 << 20, prepareAhead: true);
        var segment = log.GetWritable(); // starts the prefaulter at the segment's first byte

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (MappedResidency.BytesOf(segment.FilePath) < Prefaulter.Window && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.True(MappedResidency.BytesOf(segment.FilePath) >= Prefaulter.Window,
            $"{MappedResidency.BytesOf(segment.FilePath)} bytes mapped ahead of the writer; the window is {Prefaulter.Window}");
        Assert.All(MappedResidency.VmFlagsOf(segment.FilePath), flags => Assert.DoesNotContain("rr", flags));
    }

    [Fact]
    public void Key_index_files_are_mapped_for_random_access_when_created_and_when_reopened()
    {
        string directory = Path.Combine(_dir.Path, "index");
        using (var index = new KeyIndex(directory, maxHashSlots: 1024, maxIndexCount: 4096))
        {
            index.Load();
            index.Put("T"u8, default, Encoding.UTF8.GetBytes("k"), physicalOffset: 100, storeTimestamp: 1_700_000_000_000);
            var file = Assert.Single(Directory.GetFiles(directory));
            Assert.All(MappedResidency.VmFlagsOf(file), flags => Assert.Contains("rr", flags));
        }
        using (var reopened = new KeyIndex(directory, maxHashSlots: 1024, maxIndexCount: 4096))
        {
            reopened.Load();
            var file = Assert.Single(Directory.GetFiles(directory));
            Assert.NotEmpty(MappedResidency.VmFlagsOf(file));
            Assert.All(MappedResidency.VmFlagsOf(file), flags => Assert.Contains("rr", flags));
            Assert.Equal([100L], reopened.Query("T", "k", 10, 0, long.MaxValue));
        }
    }
}
