using Rocket.Cli.Commands.Shared;
using Rocket.Store;
using Rocket.Tests.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary><c>rocket store verify --store DIR</c> end to end: the real tool on a store written here, JSON and exit codes checked.</summary>
[Collection(MultiProcess.LaneB)]
public class StoreVerifyVerbTests : IDisposable
{
    private readonly TempDirectory _dir = new("verify-verb");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_clean_store_exits_0_a_damaged_one_exits_1_listing_the_ranges_and_a_running_one_is_refused_with_exit_3()
    {
        var settings = DamageRecoveryTests.Settings(_dir.Path);
        var records = DamageRecoveryTests.WriteStore(settings, 200, clean: true);

        var clean = (await RocketTool.RunAsync("store", "verify", "--store", settings.Directory, "--json")).Exits(ExitCodes.Ok).Json();
        Assert.True(clean.GetProperty("clean").GetBoolean());
        Assert.Equal(200, clean.GetProperty("records").GetInt64());
        Assert.Equal(200, clean.GetProperty("queue_entries").GetInt64());

        DamageRecoveryTests.Overwrite(settings, records[70].Offset, [9, 9, 9, 9, 9, 9, 9, 9]);
        var damaged = (await RocketTool.RunAsync("store", "verify", "--store", settings.Directory, "--json")).Exits(ExitCodes.Failed).Json();
        Assert.False(damaged.GetProperty("clean").GetBoolean());
        var range = Assert.Single(damaged.GetProperty("damaged").EnumerateArray());
        Assert.Equal("damaged", range.GetProperty("kind").GetString());
        Assert.Equal(DamageRecoveryTests.SegmentFileOf(settings, records[70].Offset), range.GetProperty("segment_file").GetString());
        Assert.Equal(records[70].Offset, range.GetProperty("start").GetInt64());
        Assert.Equal(records[71].Offset, range.GetProperty("end").GetInt64());
        Assert.Equal(records[70].Size, range.GetProperty("bytes").GetInt64());
        Assert.Equal(1, range.GetProperty("records_affected").GetInt64());
        Assert.Equal(1, damaged.GetProperty("bad_queue_entry_count").GetInt64());

        var text = (await RocketTool.RunAsync("store", "verify", "--store", settings.Directory)).Exits(ExitCodes.Failed);
        Assert.Contains($"damaged: {range.GetProperty("segment_file").GetString()} [{records[70].Offset}, {records[71].Offset})", text.Stdout);

        using (MessageStore.Open(settings)) // a running node holds the lock
        {
            var refused = (await RocketTool.RunAsync("store", "verify", "--store", settings.Directory, "--json")).Exits(ExitCodes.Unavailable);
            Assert.Contains("already in use by another process", refused.Json().GetProperty("error").GetString());
            Assert.Contains("stop the node first", refused.Stderr);
        }

        (await RocketTool.RunAsync("store", "verify", "--store", _dir.Combine("nothing-here"), "--json")).Exits(ExitCodes.Unavailable);
    }
}
