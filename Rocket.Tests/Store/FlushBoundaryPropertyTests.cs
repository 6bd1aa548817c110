using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

/// <summary>
/// Whatever the appends and flush targets, the flushed offset is the end of the last whole record at or below the
/// target: never inside a record (recovery starts validating there), never short of a whole record that is on disk.
/// The flush finds it from a recent append's end when one lies close below the target, and from the previous flushed
/// offset when more appends than the flusher remembers came after the target; the cases cover both.
/// </summary>
public class FlushBoundaryPropertyTests
{
    public sealed record Case(int[] BatchSizes, int BodySeed, int[] TargetSteps)
    {
        public override string ToString() =>
            $"batches [{string.Join(",", BatchSizes)}], body seed {BodySeed}, flush steps [{string.Join(",", TargetSteps)}]";
    }

    private static readonly Gen<Case> CaseGen =
        from batches in Gen.Choose(1, 12).ListOf().Select(l => l.Take(120).ToArray()).Where(a => a.Length > 0)
        from seed in Gen.Choose(0, 10_000)
        from steps in Gen.Choose(1, 9_000).NonEmptyListOf().Select(l => l.Take(8).ToArray())
        select new Case(batches, seed, steps);

    [Property(MaxTest = 40)]
    public Property The_flushed_offset_is_the_end_of_the_last_whole_record_below_the_target() =>
        Prop.ForAll(CaseGen.ToArbitrary(), c => Check(c.BatchSizes, c.BodySeed, c.TargetSteps));

    /// <summary>More than 64 appends above the target: none of the remembered ends is below it.</summary>
    [Fact]
    public void Many_small_appends_past_the_target() =>
        Check(Enumerable.Repeat(1, 300).ToArray(), 3, [Environment.SystemPageSize]);

    /// <summary>Batches of several records: the search starts at a batch's end and walks to the last record below.</summary>
    [Fact]
    public void Batches_of_several_records() => Check(Enumerable.Repeat(7, 40).ToArray(), 11, [4_097, 5_000, 20_000]);

    private static void Check(int[] batchSizes, int bodySeed, int[] targetSteps)
    {
        using var dir = new TempDirectory("flush-boundary");
        using var store = MessageStore.Open(SmallStore(dir.Path, segmentSize: 16 * 1024));
        var records = new List<(long Start, long End)>();
        int n = 0;
        foreach (int size in batchSizes)
        {
            var batch = Enumerable.Range(0, size).Select(_ => Message(body: new string('b', 1 + (n++ * 7919 + bodySeed) % 300))).ToArray();
            records.AddRange(store.AppendAll(batch).Select(r => (r.PhysicalOffset, r.PhysicalOffset + r.Size)));
        }
        long target = 0;
        foreach (int step in targetSteps)
        {
            target += step;
            long previous = store.CommitLog.FlushedOffset;
            // What a walk over every record since the last flush finds (how the flush found it before it remembered ends).
            long walked = store.CommitLog.Scan(previous, Math.Min(target, store.CommitLog.MaxOffset), verifyCrc: false, static (_, _) => true, out _);
            long flushed = store.FlushLog(target);
            Assert.True(walked == flushed, $"flush to {target} from {previous} reported {flushed}; a walk over every record found {walked}");
            Assert.DoesNotContain(records, r => r.Start < flushed && flushed < r.End); // never inside a record
            long lastWhole = records.Where(r => r.End <= target).Select(r => r.End).DefaultIfEmpty(0).Max();
            Assert.True(flushed >= Math.Min(lastWhole, store.CommitLog.MaxOffset), $"flush to {target} reported {flushed}, short of the whole record ending at {lastWhole}");
        }
    }
}
