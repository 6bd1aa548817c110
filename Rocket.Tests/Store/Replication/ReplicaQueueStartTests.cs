using Rocket.Store;
using Rocket.Store.Replication;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Store.Replication.ReplicaStores;

namespace Rocket.Tests.Store.Replication;

/// <summary>
/// A slave that starts its log at its master's oldest byte (<see cref="MessageStore.StartLogAt"/>) continues every queue
/// at the master's offsets, also a queue none of whose messages it copies (all before its start): given the master's
/// <see cref="IReplicaLog.QueueOffsetsAt"/>, across a restart, and for the next message written after a promotion.
/// </summary>
public sealed class ReplicaQueueStartTests : IDisposable
{
    private readonly TempDirectory _masterDir = new("queue-start-master");
    private readonly TempDirectory _slaveDir = new("queue-start-slave");
    private readonly MessageStore _master;
    private MessageStore _slave;
    private readonly List<Written> _written;
    private readonly long _start;

    public ReplicaQueueStartTests()
    {
        _master = MessageStore.Open(ReplicaSettings(_masterDir.Path));
        _slave = MessageStore.Open(ReplicaSettings(_slaveDir.Path));
        // "Old" has 5 messages, all in the master's first two segments (as if its retention had removed them); "Busy" goes on.
        _written = AppendBatches(_master, [.. Enumerable.Repeat(("Old", 0, 300), 5), .. Enumerable.Range(0, 80).Select(i => ("Busy", i % 2, 300))], () => 4);
        _start = 2L * _master.SegmentSize;
        Assert.All(_written.Where(w => w.Topic == "Old"), w => Assert.True(w.Offset + w.Size <= _start, "an Old message lies past the start"));
        Assert.Contains(_written, w => w.Topic == "Busy" && w.Offset < _start);
    }

    public void Dispose()
    {
        _master.Dispose();
        _slave.Dispose();
        _masterDir.Dispose();
        _slaveDir.Dispose();
    }

    [Fact]
    public void The_masters_queue_offsets_at_an_offset_are_where_each_queues_next_message_went()
    {
        var expected = NextOffsetsAt(_written, _start).Select(kv => new QueueStart(kv.Key.Item1, kv.Key.Item2, kv.Value));
        Assert.Equal(expected.OrderBy(q => q.Topic).ThenBy(q => q.QueueId), _master.QueueOffsetsAt(_start).OrderBy(q => q.Topic).ThenBy(q => q.QueueId));
        Assert.Empty(_master.QueueOffsetsAt(0)); // nothing was written before the log's first byte
        Assert.Equal(_master.ConsumeQueues.All.Select(q => q.MaxOffset).Order(),
            _master.QueueOffsetsAt(_master.MaxOffset).Select(q => q.NextOffset).Order());
    }

    [Fact]
    public void Without_them_a_queue_whose_messages_all_lie_before_the_start_would_restart_at_0()
    {
        Assert.Null(_slave.StartLogAt(_start));
        Replicate(_master, _slave, () => 3000);
        Assert.Equal(5, _master.NextQueueOffset("Old", 0));
        Assert.Equal(0, _slave.NextQueueOffset("Old", 0)); // the gap this fixes: a promoted slave would reuse offsets 0..4
    }

    [Fact]
    public void A_slave_started_with_them_continues_every_queue_at_the_masters_offsets_also_after_a_restart_and_a_promotion()
    {
        Assert.Null(_slave.StartLogAt(_start, _master.QueueOffsetsAt(_start)));
        Replicate(_master, _slave, () => 3000);
        foreach (var queue in _master.ConsumeQueues.All)
            Assert.Equal(_master.NextQueueOffset(queue.Topic, queue.QueueId), _slave.NextQueueOffset(queue.Topic, queue.QueueId));
        Assert.Equal(5, _slave.NextQueueOffset("Old", 0));
        Assert.Equal((5, 5), (_slave.GetMinOffset("Old", 0), _slave.GetMaxOffset("Old", 0)));

        _slave.Dispose();
        _slave = MessageStore.Open(ReplicaSettings(_slaveDir.Path));
        Assert.Equal(5, _slave.NextQueueOffset("Old", 0));
        Assert.Equal(_master.NextQueueOffset("Busy", 1), _slave.NextQueueOffset("Busy", 1));

        // The next message of that queue takes the same offset on the master and on the promoted slave, and reads there.
        Assert.Equal(5, _master.AppendAll(TestMessages.Message("Old", 0, body: "next")).Single().QueueOffset);
        Assert.Equal(5, _slave.AppendAll(TestMessages.Message("Old", 0, body: "next")).Single().QueueOffset);
        _slave.Project(_slave.ProjectionLimit);
        var read = _slave.GetMessages("Old", 0, 5, 10);
        Assert.Equal(GetMessageStatus.Found, read.Status);
        Assert.Equal("next", System.Text.Encoding.UTF8.GetString(Assert.Single(read.Messages).Body));
        Assert.Equal(GetMessageStatus.OffsetTooSmall, _slave.GetMessages("Old", 0, 0, 10).Status);
    }

    [Fact]
    public void A_queue_start_that_is_not_a_valid_queue_is_refused_naming_it_before_anything_is_emptied()
    {
        long end = _slave.MaxOffset;
        Assert.Equal("cannot start queue Old/-1 at 5: not a valid queue and offset", _slave.StartLogAt(_start, [new QueueStart("Old", -1, 5)]));
        Assert.Equal("cannot start queue Old/0 at -5: not a valid queue and offset", _slave.StartLogAt(_start, [new QueueStart("Old", 0, -5)]));
        Assert.Equal(end, _slave.MaxOffset);
    }
}
