using Rocket.Cli.Commands.Bench;
using Xunit;

namespace Rocket.Tests.Cli;

public sealed class ClientGcTests
{
    [Fact]
    public void A_collection_in_between_is_counted_with_its_pause()
    {
        var start = ClientGc.SoFar();
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        var between = ClientGc.SoFar().Since(start);
        Assert.True(between.Collections >= 1, $"{between.Collections} collections");
        Assert.True(between.Paused > TimeSpan.Zero, $"paused {between.Paused}");
        Assert.True(between.MeanPauseMs > 0);
    }

    [Fact]
    public void The_mean_pause_is_the_total_over_the_count_and_null_without_a_collection()
    {
        Assert.Null(new ClientGc(0, TimeSpan.Zero).MeanPauseMs);
        Assert.Equal(2.5, new ClientGc(4, TimeSpan.FromMilliseconds(10)).MeanPauseMs);
        Assert.Equal(new ClientGc(3, TimeSpan.FromMilliseconds(7)), new ClientGc(5, TimeSpan.FromMilliseconds(9)).Since(new ClientGc(2, TimeSpan.FromMilliseconds(2))));
    }
}
