using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Store;
using Rocket.Store.Replication;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Store.Replication.ReplicaStores;

namespace Rocket.Tests.Store.Replication;

/// <summary>
/// Random batches (topics, queues, sizes; small segments so records end segments often) appended to a master and
/// copied to a slave the way replication does (<see cref="IReplicaLog.ReadWholeRecords"/> + <c>AppendReplica</c>) in
/// random chunks, interleaved with the master's appends: the slave's log is byte-identical, its consume queues, next
/// queue offsets and key index agree, also after a crash; a slave cut at a random record boundary and copied again
/// converges; two logs that diverge after a failover converge once the old master truncates at the consistent offset.
/// </summary>
public class ReplicationPropertyTests
{
    public sealed record Case(int Seed, int Messages, int Rounds, int MaxBody, int MaxChunk)
    {
        public override string ToString() => $"seed {Seed}, {Messages} messages in {Rounds} rounds, bodies ≤ {MaxBody}, chunks ≤ {MaxChunk}";
    }

    private static readonly Gen<Case> CaseGen =
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from messages in Gen.Choose(1, 160)
        from rounds in Gen.Choose(1, 5)
        from maxBody in Gen.Elements(1, 40, 700, 3000)
        from maxChunk in Gen.Elements(1, 300, 4096, 20_000)
        select new Case(seed, messages, rounds, maxBody, maxChunk);

    [Property(MaxTest = 20)]
    public Property A_slave_copies_the_master_byte_for_byte_survives_a_crash_and_converges_after_a_truncation() =>
        Prop.ForAll(CaseGen.ToArbitrary(), Replicate);

    [Property(MaxTest = 15)]
    public Property Divergent_logs_converge_after_the_old_master_truncates_at_the_consistent_offset() =>
        Prop.ForAll(CaseGen.ToArbitrary(), Diverge);

    private static List<(string, int, int)> RandomMessages(Random random, int count, int maxBody) =>
        Enumerable.Range(0, count).Select(_ => ($"T{random.Next(3)}", random.Next(4), random.Next(1, maxBody + 1))).ToList();

    private static void Replicate(Case c)
    {
        var random = new Random(c.Seed);
        using var masterDir = new TempDirectory("repl-master");
        using var slaveDir = new TempDirectory("repl-slave");
        var slaveSettings = ReplicaSettings(slaveDir.Path);
        using var master = MessageStore.Open(ReplicaSettings(masterDir.Path));
        var slave = MessageStore.Open(slaveSettings);
        try
        {
            var messages = RandomMessages(random, c.Messages, c.MaxBody);
            var written = new List<Written>();
            int perRound = (messages.Count + c.Rounds - 1) / c.Rounds;
            foreach (var round in messages.Chunk(perRound))
            {
                written.AddRange(AppendBatches(master, round, () => random.Next(1, 12)));
                ReplicaStores.Replicate(master, slave, () => random.Next(1, c.MaxChunk + 1));
            }
            AssertSameLog(master, slave);
            AssertSameProjections(master, slave, written);

            // A crash (no clean shutdown): recovery keeps everything the slave appended.
            slave.Dispose();
            slave = MessageStore.Open(slaveSettings);
            AssertSameLog(master, slave);
            AssertSameProjections(master, slave, written);

            // Cut at a random record boundary: the queues continue where the cut leaves them; copying again converges.
            long[] boundaries = [.. written.Select(w => w.Offset), master.MaxOffset];
            long cut = boundaries[random.Next(boundaries.Length)];
            Assert.Null(slave.TruncateLog(cut));
            Assert.Equal(cut, slave.MaxOffset);
            var expected = NextOffsetsAt(written, cut);
            foreach (var w in written)
                Assert.Equal(expected.GetValueOrDefault((w.Topic, w.QueueId)), slave.NextQueueOffset(w.Topic, w.QueueId));
            foreach (var queue in slave.ConsumeQueues.All)
                Assert.Equal(expected.GetValueOrDefault((queue.Topic, queue.QueueId)), queue.MaxOffset);
            if (random.Next(2) == 0)
            {
                slave.Dispose(); // a crash right after the cut
                slave = MessageStore.Open(slaveSettings);
                Assert.Equal(cut, slave.MaxOffset);
            }
            ReplicaStores.Replicate(master, slave, () => random.Next(1, c.MaxChunk + 1));
            AssertSameLog(master, slave);
            AssertSameProjections(master, slave, written);
            slave.Dispose();
            slave = MessageStore.Open(slaveSettings);
            AssertSameLog(master, slave);
            AssertSameProjections(master, slave, written);
        }
        finally
        {
            slave.Dispose();
        }
    }

    private static void Diverge(Case c)
    {
        var random = new Random(c.Seed);
        using var oldDir = new TempDirectory("repl-old-master");
        using var newDir = new TempDirectory("repl-new-master");
        var oldSettings = ReplicaSettings(oldDir.Path);
        var oldMaster = MessageStore.Open(oldSettings);
        using var newMaster = MessageStore.Open(ReplicaSettings(newDir.Path));
        try
        {
            Assert.Null(oldMaster.BeginEpoch(1, 0));
            Assert.Null(newMaster.BeginEpoch(1, 0));
            var written = AppendBatches(oldMaster, RandomMessages(random, c.Messages, c.MaxBody), () => random.Next(1, 12));
            // The slave got only part of it (asynchronous replication): a prefix, then the master died.
            long copied = written[random.Next(written.Count)].Offset;
            while (newMaster.MaxOffset < copied)
            {
                var buffer = new byte[oldMaster.ReplicaReadBufferMinimum];
                int n = oldMaster.ReadWholeRecords(newMaster.MaxOffset, copied, buffer);
                Assert.Null(newMaster.AppendReplica(newMaster.MaxOffset, buffer.AsSpan(0, n)));
            }
            newMaster.Project(newMaster.ProjectionLimit);

            // Failover: the slave starts epoch 2 at its end and takes writes; the old master's unreplicated tail diverges.
            long promotedAt = newMaster.MaxOffset;
            Assert.Null(newMaster.BeginEpoch(2, promotedAt));
            var afterFailover = AppendBatches(newMaster, RandomMessages(random, random.Next(1, 60), c.MaxBody), () => random.Next(1, 12));
            // Every queue continues where the old master's copied part stopped.
            var continued = NextOffsetsAt(written, promotedAt);
            foreach (var group in afterFailover.GroupBy(w => (w.Topic, w.QueueId)))
                Assert.Equal(continued.GetValueOrDefault(group.Key), group.Min(w => w.QueueOffset));

            // The old master returns as a slave: it cuts where the histories agree and copies the new master's log.
            long consistent = EpochHistory.ConsistentOffset(oldMaster.Epochs, oldMaster.MaxOffset, newMaster.Epochs, newMaster.MaxOffset);
            Assert.Equal(promotedAt, consistent);
            Assert.Null(oldMaster.TruncateLog(consistent));
            Assert.Equal(consistent, oldMaster.MaxOffset);
            Assert.All(oldMaster.Epochs, e => Assert.True(e.StartOffset < consistent)); // entries at or past the cut went
            // A follower records the leader's epochs its log has reached (here epoch 2, and epoch 1 when the cut was at 0).
            foreach (var entry in newMaster.Epochs.Where(e => e.Epoch > oldMaster.CurrentEpoch && e.StartOffset <= oldMaster.MaxOffset))
                Assert.Null(oldMaster.BeginEpoch(entry.Epoch, entry.StartOffset));
            ReplicaStores.Replicate(newMaster, oldMaster, () => random.Next(1, c.MaxChunk + 1));
            AssertSameLog(newMaster, oldMaster);
            AssertSameProjections(newMaster, oldMaster, [.. written.Where(w => w.Offset < promotedAt), .. afterFailover]);
            Assert.Equal(newMaster.Epochs, oldMaster.Epochs);

            oldMaster.Dispose(); // crash
            oldMaster = MessageStore.Open(oldSettings);
            AssertSameLog(newMaster, oldMaster);
            AssertSameProjections(newMaster, oldMaster, afterFailover);
            Assert.Equal(newMaster.Epochs, oldMaster.Epochs);
        }
        finally
        {
            oldMaster.Dispose();
        }
    }
}
