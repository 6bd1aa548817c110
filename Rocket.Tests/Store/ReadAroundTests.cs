using System.Text;
using Rocket.Store.Index;
using Rocket.Store.Mapped;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Store;

/// <summary>
/// No read-around where a writer fills fresh pages through the mapping: the kernel otherwise builds megabytes of zeroed
/// page cache around one fault there, tens of milliseconds on the writer's thread (docs/performance.md, fifteenth
/// round). Consume queue and timer files and the key index are mapped MADV_RANDOM. The commit log is written through
/// the file (CommitLogWriteTests), so its mapping keeps the default advice for its readers.
/// </summary>
public class ReadAroundTests : IDisposable
{
    private readonly TempDirectory _dir = new("readaround");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_new_segment_of_a_file_written_through_its_mapping_is_mapped_without_read_around()
    {
        using var queue = new SegmentedFile(Path.Combine(_dir.Path, "queue"), 1 << 20);
        var segment = queue.GetWritable();

        var mappings = MappedResidency.VmFlagsOf(segment.FilePath);
        Assert.NotEmpty(mappings);
        Assert.All(mappings, flags => Assert.Contains("rr", flags));
    }

    [Fact]
    public void The_commit_logs_segments_keep_the_default_advice_for_their_readers()
    {
        using var log = new SegmentedFile(Path.Combine(_dir.Path, "log"), 1 << 20, prepareAhead: true);
        var segment = log.GetWritable();

        var mappings = MappedResidency.VmFlagsOf(segment.FilePath);
        Assert.NotEmpty(mappings);
        Assert.All(mappings, flags => Assert.DoesNotContain("rr", flags));
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
