using Rocket.Cli.Commands.Shared;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary><c>consume --verify-order</c>'s bookkeeping: backwards steps are violations unless the sequence was handled before.</summary>
public class OrderTallyTests
{
    [Fact]
    public void In_order_redelivered_and_violations_are_told_apart()
    {
        var tally = new OrderTally();
        Assert.Equal(OrderTally.Step.InOrder, tally.Observe("k0", 0));
        Assert.Equal(OrderTally.Step.InOrder, tally.Observe("k1", 1));
        Assert.Equal(OrderTally.Step.InOrder, tally.Observe("k0", 16));
        Assert.Equal(OrderTally.Step.InOrder, tally.Observe("k0", 32));
        Assert.Equal(OrderTally.Step.Redelivered, tally.Observe("k0", 16)); // the uncommitted batch again
        Assert.Equal(OrderTally.Step.Redelivered, tally.Observe("k0", 32));
        Assert.Equal(OrderTally.Step.InOrder, tally.Observe("k0", 48));
        Assert.Equal(OrderTally.Step.InOrder, tally.Observe("k1", 17));
        Assert.Equal(OrderTally.Step.Violation, tally.Observe("k1", 9));  // below 17 and never handled
        Assert.Equal(OrderTally.Step.Violation, tally.Observe("k0", 40));         // never handled, below 48
    }
}
