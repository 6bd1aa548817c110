using Rocket.Hosting;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Hosting;

/// <summary>A store directory that cannot be used is one line naming it (issue 8, point 6).</summary>
public class StoreDirectoryTests : IDisposable
{
    private readonly TempDirectory _dir = new("storedir");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_usable_directory_passes_and_is_created_if_missing_with_nothing_left_in_it()
    {
        var path = _dir.Combine("new", "store");
        Assert.Null(StoreDirectory.Problem(path));
        Assert.True(Directory.Exists(path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(path));
    }

    [Fact]
    public void A_file_or_a_path_under_a_file_is_named()
    {
        var file = _dir.Combine("file");
        File.WriteAllText(file, "x");
        Assert.Equal($"the store directory {file} is a file, not a directory (rocket.store.dir / --store)", StoreDirectory.Problem(file));
        Assert.Equal($"cannot create the store directory {file}/store: {file} is a file (rocket.store.dir / --store)", StoreDirectory.Problem(Path.Combine(file, "store")));
    }

    [Fact]
    public void A_directory_that_is_not_writable_is_named()
    {
        var path = _dir.Combine("readonly");
        Directory.CreateDirectory(path);
        using var immutable = Immutable.Make(path); // even root cannot create files in it
        Assert.Equal($"the store directory {path} is not writable: Access to the path '{path}/.write-check-{Environment.ProcessId}' is denied. (rocket.store.dir / --store)",
            StoreDirectory.Problem(path));
        Assert.StartsWith($"cannot create the store directory {path}/store: ", StoreDirectory.Problem(Path.Combine(path, "store")));
    }
}
