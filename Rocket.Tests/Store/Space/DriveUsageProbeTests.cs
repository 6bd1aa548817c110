using System.Diagnostics;
using Rocket.Store.Space;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Store.Space;

/// <summary>The real probe agrees with df: reserved blocks (root's share, quotas) count neither as used nor as free.</summary>
public sealed class DriveUsageProbeTests
{
    [Fact]
    public void Usage_is_what_df_reports_for_the_same_folder()
    {
        using var dir = new TempDirectory("drive-usage");
        var startInfo = new ProcessStartInfo("df", ["--output=used,avail", "-B1", dir.Path]) { RedirectStandardOutput = true };
        using var df = Process.Start(startInfo)!;
        var lines = df.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        df.WaitForExit();
        var numbers = lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
        double dfPercent = 100.0 * numbers[0] / (numbers[0] + numbers[1]);

        var space = DriveUsageProbe.Instance.Measure(dir.Path);

        Assert.InRange(space.UsedPercent, dfPercent - 1, dfPercent + 1); // other processes write meanwhile
        Assert.InRange(space.FreeBytes, numbers[1] - (1L << 30), numbers[1] + (1L << 30));
    }
}
