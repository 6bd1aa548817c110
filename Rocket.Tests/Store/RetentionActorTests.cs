using Akka.Actor;
using Rocket.Store;
using Rocket.Store.Projection;
using Rocket.Store.Retention;
using Rocket.Store.Space;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

/// <summary>
/// The retention actor: it deletes on its own thread what the projector, the projections' single writer, takes out of
/// the consume queues and key index, and it starts no pass while the journal holds it.
/// </summary>
public sealed class RetentionActorTests : Akka.TestKit.Xunit2.TestKit
{
    private const int Segment = 16 * 1024;
    private readonly TempDirectory _dir = new("retention-actor");
    private readonly ManualTime _time = new(DateTimeOffset.UtcNow);
    private readonly MessageStore _store;

    public RetentionActorTests() : base(TestKitConfig.Reference)
    {
        var settings = SmallStore(_dir.Path, Segment) with
        {
            MaxMessageSize = 2048,
            MaxIndexNum = 16, // several key-index files, so that some expire with the segments
            FileReservedHours = 72,
            DeleteWhenHours = new HashSet<int>(Enumerable.Range(0, 24)),
            DeleteFileBatchMax = 100,
        };
        _store = MessageStore.Open(settings, new FixedDiskUsageProbe(10), time: _time);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing); // stops the actors first
        _store.Dispose();
        _dir.Dispose();
    }

    private int QueueFiles => Directory.GetFiles(Path.Combine(_store.Settings.ConsumeQueueDirectory, "TopicA", "0")).Length;
    private int IndexFiles => Directory.GetFiles(_store.Settings.IndexDirectory).Length;

    [Fact]
    public void A_pass_deletes_expired_segments_and_the_queue_and_index_files_the_projector_takes_out()
    {
        RetentionTests.Fill(_store, 5);
        int queueFiles = QueueFiles, indexFiles = IndexFiles;
        var store = Sys.ActorOf(StoreActor.Props(_store), "store");
        _time.Advance(TimeSpan.FromHours(73));

        store.Tell(RunRetentionNow.Instance);
        var report = ExpectMsg<RetentionReport>();

        Assert.Equal(4, report.CommitLogSegmentsDeleted);
        Assert.True(report.ConsumeQueueFilesDeleted > 0, $"{queueFiles} consume-queue files, none deleted");
        Assert.True(report.IndexFilesDeleted > 0, $"{indexFiles} index files, none deleted");
        Assert.Equal(queueFiles - report.ConsumeQueueFilesDeleted, QueueFiles);
        Assert.Equal(indexFiles - report.IndexFilesDeleted, IndexFiles);
        long max = _store.GetMaxOffset("TopicA", 0);
        Assert.Equal("last", System.Text.Encoding.UTF8.GetString(_store.GetMessages("TopicA", 0, max - 1, 1).Messages.Single().Body));
    }

    /// <summary>
    /// A retention actor whose projector is a probe, asked for a pass once two of three segments have expired; returns
    /// when the segments are gone and the pass waits for the probe's answer.
    /// </summary>
    private (IActorRef Retention, Akka.TestKit.TestProbe Projector) PassWaitingForTheProjector()
    {
        RetentionTests.Fill(_store, 3);
        _time.Advance(TimeSpan.FromHours(73));
        var projector = CreateTestProbe();
        var retention = Sys.ActorOf(RetentionActor.Props(_store, projector.Ref));
        retention.Tell(RunRetentionNow.Instance);
        projector.ExpectMsg<DetachExpiredProjectionFiles>();
        return (retention, projector);
    }

    [Fact]
    public void A_hold_waits_for_the_pass_under_way_and_no_pass_starts_until_retention_resumes()
    {
        var (retention, projector) = PassWaitingForTheProjector();
        retention.Tell(HoldRetention.Instance);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // not held while a pass is under way

        projector.Reply(new ExpiredProjectionFiles());
        Assert.Equal(2, ExpectMsg<RetentionReport>().CommitLogSegmentsDeleted);
        ExpectMsg<RetentionHeld>();

        retention.Tell(RunRetentionNow.Instance);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // held: the request waits
        retention.Tell(ResumeRetention.Instance);
        Assert.Equal(0, ExpectMsg<RetentionReport>().CommitLogSegmentsDeleted);
        projector.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void After_the_projector_fails_part_way_the_next_pass_asks_it_again_even_with_no_segment_to_delete()
    {
        var (retention, projector) = PassWaitingForTheProjector();
        projector.Reply(new ExpiredProjectionFiles { Error = "no such file" });
        Assert.Equal(2, ExpectMsg<RetentionReport>().CommitLogSegmentsDeleted);

        retention.Tell(RunRetentionNow.Instance); // nothing left to delete in the log, but the projections may hold files
        projector.ExpectMsg<DetachExpiredProjectionFiles>();
        projector.Reply(new ExpiredProjectionFiles());
        Assert.Equal(0, ExpectMsg<RetentionReport>().CommitLogSegmentsDeleted);

        retention.Tell(RunRetentionNow.Instance); // done: no more asking
        ExpectMsg<RetentionReport>();
        projector.ExpectNoMsg(TimeSpan.Zero);
    }
}
