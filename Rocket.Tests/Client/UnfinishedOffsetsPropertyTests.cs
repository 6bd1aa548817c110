using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Client.Consuming;
using Xunit;

namespace Rocket.Tests.Client;

/// <summary>
/// A puller's unfinished offsets answer as a sorted set does, whatever the order of adds and finishes: mostly in
/// order (the usual case), finished out of order, added again while unfinished or after finishing, added below the
/// newest (a queue read again from a lower offset), and finishes of offsets it does not hold.
/// </summary>
public class UnfinishedOffsetsPropertyTests
{
    /// <summary>One step: add (true) or finish (false) the offset <c>base + Delta</c>.</summary>
    public sealed record Step(bool Add, int Delta);

    private static readonly Gen<Step> StepGen =
        from add in Gen.Frequency((3, Gen.Constant(true)), (2, Gen.Constant(false)))
        from delta in Gen.Frequency((6, Gen.Choose(0, 3)), (2, Gen.Choose(-40, 0)), (1, Gen.Choose(0, 200)))
        select new Step(add, delta);

    [Property(MaxTest = 300)]
    public Property Answers_as_a_sorted_set_does() =>
        Prop.ForAll(StepGen.ListOf().Select(l => l.Take(400).ToArray()).ToArbitrary(), steps =>
        {
            Check(steps);
            return true;
        });

    /// <summary>One offset stuck while thousands behind it finish: the entries stay bounded (the array is compacted, not grown).</summary>
    [Fact]
    public void An_offset_stuck_unfinished_keeps_the_rest_compact()
    {
        var offsets = new UnfinishedOffsets();
        offsets.Add(0);
        for (long o = 1; o < 100_000; o++)
        {
            offsets.Add(o);
            offsets.Remove(o);
        }
        Assert.Equal(1, offsets.Count);
        Assert.Equal(0, offsets.Min);
        Assert.InRange(offsets.Capacity, 1, 64);
        offsets.Remove(0);
        Assert.Equal(0, offsets.Count);
        Assert.Throws<InvalidOperationException>(() => offsets.Min);
    }

    /// <summary>In-order adds and finishes, a thousand outstanding at a time, as a push consumer makes them.</summary>
    [Fact]
    public void A_window_moving_in_order_answers_its_lowest()
    {
        var offsets = new UnfinishedOffsets();
        for (long o = 0; o < 1_000; o++) offsets.Add(o);
        for (long o = 1_000; o < 50_000; o++)
        {
            offsets.Remove(o - 1_000);
            offsets.Add(o);
            Assert.Equal(o - 999, offsets.Min);
        }
        Assert.Equal(1_000, offsets.Count);
        Assert.InRange(offsets.Capacity, 1_000, 4_096);
    }

    private static void Check(Step[] steps)
    {
        var offsets = new UnfinishedOffsets();
        var model = new SortedSet<long>();
        long newest = 1_000;
        foreach (var step in steps)
        {
            long offset = newest + step.Delta;
            if (step.Add)
            {
                offsets.Add(offset);
                model.Add(offset);
                newest = Math.Max(newest, offset);
            }
            else
            {
                offsets.Remove(offset);
                model.Remove(offset);
            }
            Assert.Equal(model.Count, offsets.Count);
            if (model.Count > 0) Assert.Equal(model.Min, offsets.Min);
        }
        // Finishing what is left, in any order, leaves none.
        foreach (long offset in model.Reverse()) offsets.Remove(offset);
        Assert.Equal(0, offsets.Count);
    }
}
