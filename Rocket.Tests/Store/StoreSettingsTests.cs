using Akka.Configuration;
using Rocket.Store;
using Xunit;

namespace Rocket.Tests.Store;

public class StoreSettingsTests
{
    private static StoreSettings Parse(string hocon) => StoreSettings.FromConfig(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void The_reference_defaults_keep_rocketmq_values()
    {
        var s = Parse("");
        Assert.Equal(1 << 30, s.CommitLogSegmentSize);
        Assert.Equal(300_000 * 20, s.ConsumeQueueFileSize);
        Assert.Equal(FlushDiskType.AsyncFlush, s.FlushDiskType);
        Assert.Equal(TimeSpan.FromMilliseconds(500), s.FlushInterval);
        Assert.Equal(4, s.FlushLeastPages);
        Assert.Equal(TimeSpan.FromSeconds(10), s.FlushThoroughInterval);
        Assert.Equal(4 * 1024 * 1024, s.MaxMessageSize);
        Assert.Equal(72, s.FileReservedHours);
        Assert.Equal(new HashSet<int> { 4 }, s.DeleteWhenHours);
        Assert.Equal((75, 85, 90), (s.DiskMaxUsedSpaceRatio, s.DiskSpaceCleanForciblyRatio, s.DiskSpaceWarningLevelRatio));
    }

    [Fact]
    public void Overrides_are_read()
    {
        var s = Parse("""
            rocket.store {
              dir = "/tmp/x"
              flush-disk-type = SYNC_FLUSH
              mapped-file-size-commit-log = 64m
              delete-when = "04;16"
              file-reserved-time = 48
            }
            """);
        Assert.Equal("/tmp/x", s.Directory);
        Assert.Equal(FlushDiskType.SyncFlush, s.FlushDiskType);
        Assert.Equal(64 << 20, s.CommitLogSegmentSize);
        Assert.Equal(new HashSet<int> { 4, 16 }, s.DeleteWhenHours);
        Assert.Equal(48, s.FileReservedHours);
    }

    [Fact]
    public void A_dispatcher_setting_may_name_a_store_thread_akka_own_dispatchers_or_a_block_of_its_own()
    {
        Assert.Equal("rocket.store.projector-thread", Parse("rocket.store.projector-dispatcher = rocket.store.projector-thread").ProjectorDispatcher);
        Assert.Equal("akka.actor.default-dispatcher", Parse("").ProjectorDispatcher);
        Assert.Equal("rocket.store.journal-thread", Parse("rocket.store.projector-dispatcher = rocket.store.journal-thread").ProjectorDispatcher);
        Assert.Equal("rocket.store.retention-thread", Parse("").RetentionDispatcher);
        Assert.Equal("rocket.store.flush-thread", Parse("").FlushDispatcher);
        Assert.Equal("my-pool", Parse("my-pool { type = ForkJoinDispatcher }\nrocket.store.flush-dispatcher = my-pool").FlushDispatcher);
    }

    [Theory]
    [InlineData("rocket.store.flush-disk-type = SOMETIMES", "rocket.store.flush-disk-type")]
    [InlineData("rocket.store.mapped-file-size-consume-queue = 30", "multiple of 20")]
    [InlineData("rocket.store.delete-when = \"25\"", "rocket.store.delete-when")]
    [InlineData("rocket.store.disk-max-used-space-ratio = 95", "disk-max-used-space-ratio")]
    [InlineData("rocket.store.flush-interval-commit-log = 0ms", "rocket.store.flush-interval-commit-log")]
    [InlineData("rocket.store.mapped-file-size-commit-log = 1m", "max-message-size")]
    [InlineData("rocket.store.max-properties-size = lots", "rocket.store.max-properties-size")]
    [InlineData("rocket.store.dispatch-dispatcher = \"my-thread\"", "rocket.store.dispatch-dispatcher was renamed rocket.store.projector-dispatcher")]
    [InlineData("rocket.store.dispatch-thread { thread-name = x }", "rocket.store.dispatch-thread was renamed rocket.store.projector-thread")]
    [InlineData("rocket.store.flush-dispatcher = \"my-thread\"", "rocket.store.flush-dispatcher = \"my-thread\" names no dispatcher")]
    [InlineData("rocket.store.journal-dispatcher = \"rocket.store\"", "rocket.store.journal-dispatcher = \"rocket.store\" names no dispatcher")]
    [InlineData("my-thread { thread-name = x }\nrocket.store.projector-dispatcher = my-thread", "rocket.store.projector-dispatcher = \"my-thread\" names no dispatcher")]
    public void Bad_values_name_the_setting(string hocon, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse(hocon));
        Assert.Contains(expected, e.Message);
    }
}
