using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Store;
using Rocket.Store.Recovery;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Store.DamageRecoveryTests;

namespace Rocket.Tests.Store;

/// <summary>
/// Random byte ranges corrupted in the middle of a multi-segment log, then a start with no checkpoint and an abort file
/// (a crash with a stale checkpoint: recovery sees the damage), with the checkpoint and an abort file, or after a
/// clean stop (recovery does not look below the checkpoint; reads and the verifier do).
/// </summary>
public class DamagePropertyTests
{
    public enum StartKind { NoCheckpointAfterCrash, CheckpointAfterCrash, CleanStop }

    public sealed record Damage(double Where, int Length, byte Xor);

    private static readonly Gen<Damage> DamageGen =
        from position in Gen.Choose(0, 1_000_000).Select(i => i / 1_000_000.0)
        from length in Gen.Choose(1, 48)
        from xor in Gen.Choose(1, 255).Select(i => (byte)i)
        select new Damage(position, length, xor);

    public sealed record Case(int Count, int SizeSeed, Damage[] Damages, StartKind Start)
    {
        public override string ToString() => $"{Count} messages (seed {SizeSeed}), {Start}, damage [{string.Join(", ", Damages.Select(d => d.ToString()))}]";
    }

    private static readonly Gen<Case> CaseGen =
        from count in Gen.Choose(60, 160)
        from sizeSeed in Gen.Choose(0, 10_000)
        from damages in DamageGen.NonEmptyListOf().Select(l => l.Take(3).ToArray())
        from start in Gen.Elements(Enum.GetValues<StartKind>())
        select new Case(count, sizeSeed, damages, start);

    [Property(MaxTest = 30)]
    public Property Recovery_keeps_every_valid_record_outside_the_damage_and_reports_and_quarantines_the_rest() =>
        Prop.ForAll(CaseGen.ToArbitrary(), c => Check(c.Count, c.SizeSeed, c.Damages, c.Start));

    /// <summary>A case the property found: damage in the first segment's first records, index rebuilt after a crash.</summary>
    [Fact]
    public void Damage_near_the_start_of_the_log_with_no_checkpoint() =>
        Check(84, 8268, [new Damage(0.016007, 35, 101), new Damage(0.491344, 19, 48), new Damage(0.035255, 41, 249)], StartKind.NoCheckpointAfterCrash);

    private static void Check(int count, int sizeSeed, Damage[] damages, StartKind start)
    {
        using var dir = new TempDirectory("damage-prop");
        var settings = DamageRecoveryTests.Settings(dir.Path);
        var records = WriteStore(settings, count, clean: true, bodySize: i => (i * 7919 + sizeSeed) % 400);
        int segmentSize = settings.CommitLogSegmentSize;
        Assert.True(records[^1].Offset >= 2 * segmentSize, "the log spans at least three segments");

        // Corrupt bytes anywhere before the last record (so something valid always follows the damage).
        long limit = records[^1].Offset;
        var corrupted = new SortedSet<long>();
        foreach (var d in damages)
        {
            long at = (long)(d.Where * (limit - 1));
            for (long p = at; p < Math.Min(limit, at + d.Length); p++)
            {
                using var f = new FileStream(SegmentFileOf(settings, p), FileMode.Open, FileAccess.ReadWrite);
                f.Position = p % segmentSize;
                int b = f.ReadByte();
                f.Position = p % segmentSize;
                f.WriteByte((byte)(b ^ d.Xor));
                corrupted.Add(p);
            }
        }
        int[] lost = records.Select((r, i) => (r, i)).Where(x => corrupted.GetViewBetween(x.r.Offset, x.r.Offset + x.r.Size - 1).Count > 0)
            .Select(x => x.i).ToArray();
        // Bytes that mean something: those of records and of the blank marker ending each rolled segment.
        var blanks = records.GroupBy(r => r.Offset / segmentSize).SkipLast(1).Select(g => g.Max(r => r.Offset + r.Size)).ToArray();
        var meaningful = corrupted.Where(p => records.Any(r => r.Offset <= p && p < r.Offset + r.Size) || blanks.Any(b => b <= p && p < b + 8)).ToArray();
        var damagedLog = Directory.GetFiles(settings.CommitLogDirectory).ToDictionary(f => f, File.ReadAllBytes);

        if (start != StartKind.CleanStop) File.WriteAllBytes(settings.AbortPath, []);
        if (start == StartKind.NoCheckpointAfterCrash) File.Delete(settings.CheckpointPath);

        using (var store = MessageStore.Open(settings))
        {
            AssertServes(store, records, except: lost);
            Assert.Equal(0, store.Recovery.TailBytesCut);
            if (start == StartKind.NoCheckpointAfterCrash)
            {
                var ranges = store.Recovery.DamagedRanges;
                foreach (long p in meaningful)
                    Assert.True(ranges.Any(r => r.Start <= p && p < r.End), $"corrupt byte {p} is in no reported range [{string.Join(", ", ranges.Select(r => $"{r.Start}-{r.End}"))}]");
                Assert.Equal(lost.Length, ranges.Sum(r => r.LostMessages));
                Assert.All(ranges, r => Assert.True(r.CountIsExact));
                foreach (var r in ranges) // the quarantine holds exactly the bytes that were overwritten
                    Assert.Equal(damagedLog[r.SegmentFile].AsSpan((int)(r.Start % segmentSize), (int)r.Bytes).ToArray(), File.ReadAllBytes(r.QuarantinedAs));
                Assert.Equal(ranges.Count == 0, store.Recovery.QuarantineFolder is null);
            }
            else
            {
                Assert.Empty(store.Recovery.DamagedRanges); // below the checkpoint: found by reads (above) and the verifier (below)
                Assert.Null(store.Recovery.QuarantineFolder);
            }
        }

        var verified = StoreVerifier.Verify(settings.Directory);
        if (start == StartKind.NoCheckpointAfterCrash)
        {
            Assert.True(verified.Clean, string.Join("; ", verified.Damaged));
            Assert.Equal(count - lost.Length, verified.Records);
        }
        else
        {
            foreach (long p in meaningful)
                Assert.True(verified.Damaged.Any(r => r.Start <= p && p < r.End), $"corrupt byte {p} is in no range the verifier lists");
            Assert.Equal(lost.Length, verified.BadQueueEntryCount);
        }
    }
}
