using Akka.Actor;
using Rocket.Store;
using Rocket.Store.Journal;
using Rocket.Store.Log;
using Rocket.Store.Projection;
using Rocket.Store.Replication;
using Rocket.Store.Retention;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Store.Replication.ReplicaStores;

namespace Rocket.Tests.Store.Replication;

/// <summary>Replication's journal messages through a slave's store actor (journal, flush, projector running).</summary>
public class ReplicaJournalTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TempDirectory _masterDir = new("journal-master");
    private readonly TempDirectory _slaveDir = new("journal-slave");
    private readonly MessageStore _master;
    private readonly List<Written> _written;

    public ReplicaJournalTests() : base(TestKitConfig.Reference)
    {
        _master = MessageStore.Open(ReplicaSettings(_masterDir.Path));
        _written = AppendBatches(_master, Enumerable.Range(0, 30).Select(i => ($"T{i % 2}", i % 2, 200 + 10 * i)).ToList(), () => 3);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing); // stops the actors, which shut the slave's store down
        _master.Dispose();
        _masterDir.Dispose();
        _slaveDir.Dispose();
    }

    private (MessageStore Store, IActorRef Actor) StartSlave(FlushDiskType flush, Func<long, long>? flushLog = null)
    {
        var store = MessageStore.Open(ReplicaSettings(_slaveDir.Path, flush: flush));
        return (store, Sys.ActorOf(StoreActor.Props(store, null, flushLog ?? store.FlushLog), "slave-store"));
    }

    private byte[] Read(long from, long limit = long.MaxValue)
    {
        var buffer = new byte[_master.ReplicaReadBufferMinimum];
        return buffer[.._master.ReadWholeRecords(from, limit, buffer)];
    }

    /// <summary>Streams the master's log through the actor, each chunk acknowledged before the next, as replication does.</summary>
    private void CopyAll(IActorRef slave, long from)
    {
        while (from < _master.MaxOffset)
        {
            var bytes = Read(from, from + 3000);
            if (bytes.Length == 0) bytes = Read(from);
            slave.Tell(new AppendReplica(from, bytes));
            from = ExpectMsg<ReplicaAppended>().MaxOffset;
        }
    }

    private void AwaitProjected(IActorRef slave, long end)
    {
        slave.Tell(new AwaitProjection(end - 1));
        ExpectMsg<ProjectedPast>();
    }

    [Fact]
    public void A_truncation_holds_retention_first_and_resumes_it_when_done()
    {
        var store = MessageStore.Open(ReplicaSettings(_slaveDir.Path));
        try
        {
            var retention = CreateTestProbe();
            var projector = Sys.ActorOf(ProjectorActor.Props(store));
            var journal = Sys.ActorOf(JournalActor.Props(store, CreateTestProbe().Ref, projector, retention.Ref));
            CopyAll(journal, 0);
            var cutAt = _written[10];

            journal.Tell(new TruncateLog(cutAt.Offset));
            retention.ExpectMsg<HoldRetention>();
            journal.Tell(new AppendBatch(7, [TestMessages.Message(cutAt.Topic, cutAt.QueueId)]));
            ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // a segment may still be going: nothing is cut, nothing appended
            Assert.Equal(_master.MaxOffset, store.CommitLog.MaxOffset);

            retention.Reply(RetentionHeld.Instance);
            Assert.Equal(cutAt.Offset, ExpectMsg<LogTruncated>().MaxOffset);
            Assert.Equal(cutAt.Offset, ExpectMsg<BatchAppended>().Results[0].PhysicalOffset);
            retention.ExpectMsg<ResumeRetention>();

            foreach (var actor in new[] { journal, projector }) // stopped before the store they write is disposed
            {
                Watch(actor);
                Sys.Stop(actor);
                ExpectTerminated(actor);
            }
        }
        finally
        {
            store.Dispose();
        }
    }

    [Fact]
    public void Appends_refusals_epochs_and_a_truncation_that_holds_later_writes_until_it_is_done()
    {
        var (store, slave) = StartSlave(FlushDiskType.AsyncFlush);
        CopyAll(slave, 0);
        AwaitProjected(slave, _master.MaxOffset);
        AssertSameLog(_master, store);
        foreach (var w in _written)
            Assert.Equal(w.Offset, store.GetMessages(w.Topic, w.QueueId, w.QueueOffset, 1).Messages[0].PhysicalOffset);

        slave.Tell(new AppendReplica(0, Read(0, _written[1].Offset)));
        var refused = ExpectMsg<ReplicaAppendFailed>();
        Assert.Equal(_master.MaxOffset, refused.MaxOffset);
        Assert.StartsWith("overlap: the replica bytes start at offset 0", refused.Error);

        slave.Tell(new BeginEpoch(2, _master.MaxOffset));
        Assert.Equal(new EpochBegun(2, _master.MaxOffset, _master.MaxOffset), ExpectMsg<EpochBegun>());
        slave.Tell(new BeginEpoch(2, _master.MaxOffset));
        var epochRefused = ExpectMsg<EpochRefused>();
        Assert.Equal(2, epochRefused.CurrentEpoch);
        Assert.Contains("not above this store's current epoch 2", epochRefused.Error);

        var cutAt = _written[10];
        slave.Tell(new TruncateLog(cutAt.Offset + 1));
        Assert.Contains("not a record boundary", ExpectMsg<TruncateRefused>().Error);

        // The truncation runs on the projector's thread; a send right behind it waits and lands at the cut.
        slave.Tell(new TruncateLog(cutAt.Offset));
        slave.Tell(new AppendBatch(7, [TestMessages.Message(cutAt.Topic, cutAt.QueueId)]));
        Assert.Equal(cutAt.Offset, ExpectMsg<LogTruncated>().MaxOffset);
        var appended = ExpectMsg<BatchAppended>().Results[0];
        Assert.True(appended.IsOk);
        Assert.Equal(cutAt.Offset, appended.PhysicalOffset);
        Assert.Equal(cutAt.QueueOffset, appended.QueueOffset); // its queue continues where the cut left it
        Assert.Empty(store.Epochs); // epoch 2 began past the cut
    }

    [Fact]
    public void Sync_flush_confirms_replica_bytes_once_on_disk_and_a_failed_flush_confirms_nothing()
    {
        bool fail = false;
        MessageStore? opened = null;
        long Flush(long upTo) => fail ? throw new IOException("injected flush failure") : opened!.FlushLog(upTo);
        var (store, slave) = StartSlave(FlushDiskType.SyncFlush, Flush);
        opened = store;

        var first = Read(0, _written[5].Offset);
        slave.Tell(new AppendReplica(0, first));
        Assert.Equal(_written[5].Offset, ExpectMsg<ReplicaAppended>().MaxOffset);
        Assert.True(store.CommitLog.FlushedOffset >= _written[5].Offset);

        fail = true;
        slave.Tell(new AppendReplica(_written[5].Offset, Read(_written[5].Offset, _written[8].Offset)));
        var failed = ExpectMsg<ReplicaAppendFailed>();
        Assert.Equal(_written[8].Offset, failed.MaxOffset); // written, but not confirmed
        Assert.Contains("injected flush failure", failed.Error);
    }

    [Fact]
    public void Starting_over_at_the_masters_min_offset_empties_the_store()
    {
        var (store, slave) = StartSlave(FlushDiskType.AsyncFlush);
        CopyAll(slave, 0);
        long start = 2L * _master.SegmentSize;
        slave.Tell(new StartLogAt(start));
        Assert.Equal(new LogStartedAt(start), ExpectMsg<LogStartedAt>());
        Assert.Equal(start, store.MinOffset);
        Assert.Equal(start, store.MaxOffset);
        CopyAll(slave, start);
        AwaitProjected(slave, _master.MaxOffset);
        foreach (var w in _written.Where(w => w.Offset >= start))
            Assert.Equal(w.Offset, store.GetMessages(w.Topic, w.QueueId, w.QueueOffset, 1).Messages[0].PhysicalOffset);
    }
}
