using System.Buffers.Binary;
using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Store.Replication;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Store.Replication.ReplicaStores;

namespace Rocket.Tests.Store.Replication;

/// <summary>What a slave's append, a master's raw read, a truncation and the handshake refuse, each naming why.</summary>
public class ReplicaAppendTests : IDisposable
{
    private readonly TempDirectory _masterDir = new("replica-master");
    private readonly TempDirectory _slaveDir = new("replica-slave");
    private readonly MessageStore _master;
    private readonly MessageStore _slave;
    private readonly List<Written> _written;

    public ReplicaAppendTests()
    {
        _master = MessageStore.Open(ReplicaSettings(_masterDir.Path));
        _slave = MessageStore.Open(ReplicaSettings(_slaveDir.Path));
        _written = AppendBatches(_master, Enumerable.Range(0, 40).Select(i => ($"T{i % 2}", i % 3, 300 + i)).ToList(), () => 4);
    }

    public void Dispose()
    {
        _master.Dispose();
        _slave.Dispose();
        _masterDir.Dispose();
        _slaveDir.Dispose();
    }

    private byte[] Read(long from, long limit)
    {
        var buffer = new byte[_master.ReplicaReadBufferMinimum];
        int n = _master.ReadWholeRecords(from, limit, buffer);
        return buffer[..n];
    }

    private void AssertNothingWritten()
    {
        Assert.Equal(0, _slave.MaxOffset);
        Assert.Empty(_slave.ConsumeQueues.All);
        Assert.Equal(0, _slave.NextQueueOffset("T0", 0));
    }

    [Fact]
    public void Reads_whole_records_within_one_segment_and_the_blank_with_the_rest_of_its_segment()
    {
        int segment = _master.SegmentSize;
        var first = Read(0, long.MaxValue);
        // Up to the first segment's end exactly (its last record, then the blank marker and the zeros after it).
        Assert.Equal(segment, first.Length);
        var lastInFirst = _written.Last(w => w.Offset < segment);
        Assert.Equal(MessageRecord.BlankMagic, MessageRecord.ReadMagic(first.AsSpan((int)(lastInFirst.Offset + lastInFirst.Size))));
        // A limit inside a record stops before it; a small buffer takes only what fits whole.
        var two = Read(0, _written[2].Offset + 1);
        Assert.Equal(_written[2].Offset, two.Length);
        var small = new byte[_written[1].Offset + 10];
        Assert.Equal(_written[1].Offset, _master.ReadWholeRecords(0, long.MaxValue, small));
        Assert.Equal(0, _master.ReadWholeRecords(0, long.MaxValue, new byte[10])); // nothing whole fits
        Assert.Equal(0, _master.ReadWholeRecords(_master.MaxOffset, long.MaxValue, new byte[1000])); // nothing there yet
    }

    [Fact]
    public void A_read_off_a_record_boundary_or_below_the_log_start_is_refused()
    {
        var error = Assert.Throws<StoreException>(() => _master.ReadWholeRecords(_written[3].Offset + 5, long.MaxValue, new byte[100_000]));
        Assert.Contains($"offset {_written[3].Offset + 5} is not where a record starts", error.Message);
        Assert.Null(_slave.StartLogAt(_slave.SegmentSize * 2L));
        var below = Assert.Throws<StoreException>(() => _slave.ReadWholeRecords(0, long.MaxValue, new byte[100]));
        Assert.Contains("below this log's start", below.Message);
    }

    [Fact]
    public void A_gap_or_an_overlap_is_refused_naming_both_offsets()
    {
        var bytes = Read(_written[1].Offset, long.MaxValue);
        Assert.Equal($"gap: the replica bytes start at offset {_written[1].Offset} but this log ends at 0; the {_written[1].Offset} bytes in between are missing",
            _slave.AppendReplica(_written[1].Offset, bytes));
        AssertNothingWritten();
        Assert.Null(_slave.AppendReplica(0, Read(0, _written[2].Offset)));
        Assert.Equal($"overlap: the replica bytes start at offset {_written[1].Offset} but this log already holds bytes up to {_written[2].Offset}",
            _slave.AppendReplica(_written[1].Offset, bytes));
        Assert.Equal(_written[2].Offset, _slave.MaxOffset);
    }

    [Fact]
    public void A_flipped_byte_anywhere_in_a_record_is_refused_and_nothing_of_the_chunk_is_written()
    {
        var bytes = Read(0, _written[4].Offset);
        var random = new Random(7);
        for (int i = 0; i < 50; i++)
        {
            var damaged = bytes.ToArray();
            int at = random.Next(damaged.Length);
            damaged[at] ^= (byte)random.Next(1, 256);
            var error = _slave.AppendReplica(0, damaged);
            Assert.NotNull(error);
            var record = _written.Last(w => w.Offset <= at);
            Assert.Contains($"offset {record.Offset}", error);
            AssertNothingWritten();
        }
    }

    [Fact]
    public void A_record_carrying_another_offset_a_torn_record_and_bytes_past_a_segment_are_refused()
    {
        // The master's first records offered as if they were at the log's end: they name where they belong.
        Assert.Null(_slave.AppendReplica(0, Read(0, _written[1].Offset)));
        var elsewhere = _slave.AppendReplica(_written[1].Offset, Read(0, _written[1].Offset));
        Assert.Equal($"record at offset {_written[1].Offset} carries the physical offset 0: it belongs elsewhere in the log", elsewhere);

        var torn = Read(_written[1].Offset, long.MaxValue)[..(_written[1].Size - 3)];
        Assert.Contains($"record at offset {_written[1].Offset} says {_written[1].Size} bytes, but {_written[1].Size - 3} are left", _slave.AppendReplica(_written[1].Offset, torn));
        Assert.Contains("torn record", _slave.AppendReplica(_written[1].Offset, torn[..5]));

        var across = new byte[_slave.SegmentSize];
        Assert.Contains($"crosses the segment end {_slave.SegmentSize}", _slave.AppendReplica(_written[1].Offset, across));
        Assert.Equal(_written[1].Offset, _slave.MaxOffset);
    }

    [Fact]
    public void A_blank_marker_must_end_its_segment_with_zeros()
    {
        var first = Read(0, long.MaxValue);
        var last = _written.Last(w => w.Offset < _master.SegmentSize);
        long blankAt = last.Offset + last.Size;
        Assert.Null(_slave.AppendReplica(0, first[..(int)blankAt]));
        var blank = first[(int)blankAt..];
        var dirty = blank.ToArray();
        dirty[^1] = 1;
        Assert.Contains("non-zero bytes", _slave.AppendReplica(blankAt, dirty));
        var shortBlank = blank.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(shortBlank, blank.Length - 4);
        Assert.Contains($"blank marker at offset {blankAt} says {blank.Length - 4} bytes", _slave.AppendReplica(blankAt, shortBlank));
        Assert.Null(_slave.AppendReplica(blankAt, blank));
        Assert.Equal(_master.SegmentSize, _slave.MaxOffset);
    }

    [Fact]
    public void Truncation_off_a_record_boundary_or_outside_the_log_is_refused()
    {
        Replicate(_master, _slave, () => 5000);
        long end = _slave.MaxOffset;
        Assert.Equal($"cannot truncate at {_written[5].Offset + 1}: it is not a record boundary (the record or segment-end blank at {_written[5].Offset} spans it)",
            _slave.TruncateLog(_written[5].Offset + 1));
        // Inside the blank that ends the first segment: the appends after the cut would sit behind the blank marker.
        var lastInFirst = _written.Last(w => w.Offset < _slave.SegmentSize);
        long blankAt = lastInFirst.Offset + lastInFirst.Size;
        Assert.True(_slave.SegmentSize - blankAt > 1, "the first segment ends with a blank of more than one byte");
        Assert.Equal($"cannot truncate at {blankAt + 1}: it is not a record boundary (the record or segment-end blank at {blankAt} spans it)",
            _slave.TruncateLog(blankAt + 1));
        Assert.Equal($"cannot truncate at {end + 1}: the log ends at {end}", _slave.TruncateLog(end + 1));
        Assert.Equal(end, _slave.MaxOffset);
        // At a segment's start (just after a blank marker) is a boundary.
        Assert.Null(_slave.TruncateLog(_slave.SegmentSize));
        Assert.Equal(_slave.SegmentSize, _slave.MaxOffset);
        Replicate(_master, _slave, () => 5000);
        AssertSameLog(_master, _slave);
        AssertSameProjections(_master, _slave, _written);
    }

    [Fact]
    public void The_handshake_refuses_another_segment_size_and_starts_over_behind_the_masters_retention()
    {
        var refused = ReplicaStart.Decide(_slave, _master.SegmentSize * 2, 0, _master.MaxOffset);
        Assert.Equal(ReplicaStartKind.Refused, refused.Kind);
        Assert.Contains($"segments are {_slave.SegmentSize} bytes but its master's are {_master.SegmentSize * 2}", refused.Error);
        Assert.Contains("rocket.store.mapped-file-size-commit-log", refused.Error);

        Assert.Equal(new ReplicaStart(ReplicaStartKind.Continue, 0, null), ReplicaStart.Decide(_slave, _master.SegmentSize, 0, _master.MaxOffset));

        long masterMin = 2L * _master.SegmentSize; // as if retention had deleted the master's first two segments
        var behind = ReplicaStart.Decide(_slave, _master.SegmentSize, masterMin, _master.MaxOffset);
        Assert.Equal(ReplicaStartKind.StartEmptyAt, behind.Kind);
        Assert.Equal(masterMin, behind.Offset);
        Assert.Contains($"its master's log starts at {masterMin}", behind.Error);

        // The slave empties itself there and copies from that offset on: byte-identical from there.
        Replicate(_master, _slave, () => 700); // it had something before
        Assert.Null(_slave.StartLogAt(masterMin));
        Assert.Equal(masterMin, _slave.MinOffset);
        Assert.Equal(masterMin, _slave.MaxOffset);
        Assert.Empty(_slave.Epochs);
        Assert.All(_slave.ConsumeQueues.All, q => Assert.Equal(0, q.MaxOffset));
        var buffer = new byte[_master.ReplicaReadBufferMinimum];
        while (_slave.MaxOffset < _master.MaxOffset)
        {
            int n = _master.ReadWholeRecords(_slave.MaxOffset, long.MaxValue, buffer);
            Assert.Null(_slave.AppendReplica(_slave.MaxOffset, buffer.AsSpan(0, n)));
        }
        _slave.Project(_slave.ProjectionLimit);
        foreach (var w in _written.Where(w => w.Offset >= masterMin))
        {
            var read = _slave.GetMessages(w.Topic, w.QueueId, w.QueueOffset, 1);
            Assert.Equal(GetMessageStatus.Found, read.Status);
            Assert.Equal(w.Offset, read.Messages[0].PhysicalOffset);
        }
        // Queues with records from there on continue where the master's do. (A queue with no record left in the
        // master's log is unknown to such a slave: see docs/replication.md, "Store".)
        foreach (var w in _written.Where(w => w.Offset >= masterMin))
            Assert.Equal(_master.NextQueueOffset(w.Topic, w.QueueId), _slave.NextQueueOffset(w.Topic, w.QueueId));

        var slaveBehindEnd = ReplicaStart.Decide(_slave, _master.SegmentSize, 0, _master.MaxOffset - 1);
        Assert.Equal(ReplicaStartKind.Refused, slaveBehindEnd.Kind);
        Assert.Contains("beyond its master's end", slaveBehindEnd.Error);
    }
}
