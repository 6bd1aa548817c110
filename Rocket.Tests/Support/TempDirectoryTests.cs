using System.Diagnostics;
using Xunit;

namespace Rocket.Tests.Support;

public sealed class TempDirectoryTests
{
    [Fact]
    public void A_folder_left_by_a_test_process_that_no_longer_runs_is_swept_and_a_running_ones_is_kept()
    {
        using var root = new TempDirectory("sweep");
        using (var exited = Process.Start("true")!) // a pid that no process has now
        {
            exited.WaitForExit();
            Directory.CreateDirectory(root.Combine($"rocket-test-{exited.Id}-{Guid.NewGuid():N}", "store"));
        }
        var ours = Directory.CreateDirectory(root.Combine($"rocket-test-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
        var foreign = Directory.CreateDirectory(root.Combine("rocket-something-else")).FullName; // not a name this class gives

        Assert.Equal(1, TempDirectory.SweepLeftovers(root.Path));
        Assert.Equal([foreign, ours], Directory.EnumerateDirectories(root.Path).Order());
    }
}
