using Rocket.Store;
using Rocket.Store.Log;
using Rocket.Store.Space;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

public class RetentionTests : IDisposable
{
    private const int Segment = 16 * 1024;
    private readonly TempDirectory _dir = new("retention");
    private readonly ManualTime _time = new(DateTimeOffset.UtcNow);
    private readonly FixedDiskUsageProbe _disk = new(10);

    public void Dispose() => _dir.Dispose();

    private MessageStore Open(Func<StoreSettings, StoreSettings>? tweak = null)
    {
        var settings = SmallStore(_dir.Path, Segment) with
        {
            MaxMessageSize = 2048,
            FileReservedHours = 72,
            DeleteWhenHours = new HashSet<int>(Enumerable.Range(0, 24)), // every hour is a delete hour unless a test says otherwise
        };
        return MessageStore.Open(tweak?.Invoke(settings) ?? settings, _disk, time: _time);
    }

    /// <summary>Fills about <paramref name="segments"/> segments and projects them.</summary>
    internal static void Fill(MessageStore store, int segments)
    {
        while (store.CommitLog.Segments.Segments.Count < segments)
            store.AppendAll(Message(keys: "k", body: new string('x', 900)));
        store.AppendAll(Message(keys: "k", body: "last"));
        store.Project(store.ProjectionLimit);
    }

    [Fact]
    public void Expired_segments_are_deleted_oldest_first_and_the_newest_is_kept()
    {
        using var store = Open(s => s with { DeleteFileBatchMax = 100 });
        Fill(store, 5);
        Assert.Equal(0, store.RunRetention().CommitLogSegmentsDeleted); // nothing has expired yet

        _time.Advance(TimeSpan.FromHours(73));
        var report = store.RunRetention();
        Assert.Equal(4, report.CommitLogSegmentsDeleted);
        Assert.Single(store.CommitLog.Segments.Segments);
        Assert.Equal(4L * Segment, store.CommitLog.MinOffset);

        // The consume queue was trimmed to match: old offsets are gone, the newest message still reads.
        long min = store.GetMinOffset("TopicA", 0), max = store.GetMaxOffset("TopicA", 0);
        Assert.True(min > 0);
        Assert.Equal(GetMessageStatus.OffsetTooSmall, store.GetMessages("TopicA", 0, 0, 1).Status);
        var newest = store.GetMessages("TopicA", 0, max - 1, 1);
        Assert.Equal("last", System.Text.Encoding.UTF8.GetString(newest.Messages.Single().Body));
    }

    [Fact]
    public void Expired_segments_wait_for_a_delete_hour_unless_disk_usage_is_high()
    {
        int notNow = (_time.GetUtcNow().Hour + 12) % 24;
        using var store = Open(s => s with { DeleteWhenHours = new HashSet<int> { notNow } });
        Fill(store, 3);
        _time.Advance(TimeSpan.FromHours(73));
        if (_time.GetUtcNow().Hour == notNow) _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, store.RunRetention().CommitLogSegmentsDeleted);

        _disk.Value = 80; // above disk-max-used-space-ratio (75): expired files go now
        Assert.Equal(2, store.RunRetention().CommitLogSegmentsDeleted);
    }

    [Fact]
    public void Above_the_forcible_ratio_even_unexpired_segments_are_deleted_but_never_the_newest()
    {
        using var store = Open(s => s with { DeleteFileBatchMax = 100 });
        Fill(store, 4);
        _disk.Value = 80; // high, but nothing expired: kept
        Assert.Equal(0, store.RunRetention().CommitLogSegmentsDeleted);

        _disk.Value = 87; // above disk-space-clean-forcibly-ratio (85)
        var report = store.RunRetention();
        Assert.True(report.Forced);
        Assert.Equal(3, report.CommitLogSegmentsDeleted);
        Assert.Single(store.CommitLog.Segments.Segments);
    }

    [Fact]
    public void Segments_not_yet_projected_are_never_deleted()
    {
        using var store = Open(s => s with { DeleteFileBatchMax = 100 });
        while (store.CommitLog.Segments.Segments.Count < 4) store.AppendAll(Message(body: new string('x', 900)));
        _time.Advance(TimeSpan.FromHours(73));
        // RunRetention alone does not project: nothing is deleted while the projections have not seen it.
        Assert.Equal(0, store.RunRetention().CommitLogSegmentsDeleted);
        store.Project(store.ProjectionLimit);
        Assert.Equal(3, store.RunRetention().CommitLogSegmentsDeleted);
    }

    [Fact]
    public void Above_the_warning_ratio_writes_fail_with_disk_full_and_stored_data_stays_readable()
    {
        using var store = Open();
        store.AppendAll(Message(body: "before"));
        store.Project(store.ProjectionLimit);

        _disk.Value = 95;
        Assert.True(store.RunRetention().DiskFull);
        var results = new AppendResult[1];
        store.Append([Message(body: "during")], results);
        Assert.Equal(AppendStatus.ServiceNotAvailable, results[0].Status);
        Assert.Contains("disk full", results[0].Error);
        Assert.Contains("disk-space-warning-level-ratio", results[0].Error);
        Assert.Equal("before", System.Text.Encoding.UTF8.GetString(store.GetMessages("TopicA", 0, 0, 1).Messages[0].Body));

        _disk.Value = 50;
        Assert.False(store.RunRetention().DiskFull);
        Assert.Equal(1, store.AppendAll(Message(body: "after"))[0].QueueOffset);
    }

    [Fact]
    public void Retention_survives_a_restart_with_offsets_continuing()
    {
        long lastOffset;
        using (var store = Open(s => s with { DeleteFileBatchMax = 100 }))
        {
            Fill(store, 3);
            _time.Advance(TimeSpan.FromHours(73));
            store.RunRetention();
            lastOffset = store.GetMaxOffset("TopicA", 0);
            store.Shutdown();
        }
        using var reopened = Open();
        Assert.Equal(lastOffset, reopened.GetMaxOffset("TopicA", 0));
        Assert.Equal(lastOffset, reopened.AppendAll(Message())[0].QueueOffset);
    }
}
