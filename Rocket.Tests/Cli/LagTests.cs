using Rocket.Cli.Commands.Groups;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>The lag `rocket progress` and `rocket group show` report: what is left to consume in a queue.</summary>
public sealed class LagTests
{
    [Theory]
    [InlineData(100, 0, 40, 60)]   // committed: from the committed offset
    [InlineData(100, 0, -1, 100)]  // never committed: from the first message
    [InlineData(100, 70, -1, 30)]  // never committed, retention removed 0..69: only what is still there
    [InlineData(100, 70, 40, 30)]  // committed behind what retention removed: the consumer will start at the min offset
    [InlineData(100, 0, 120, 0)]   // committed past the end (a reset ahead, a truncated queue): nothing, not negative
    public void Lag_counts_from_the_committed_offset_or_the_first_message_still_stored(long brokerOffset, long minOffset, long consumerOffset, long lag) =>
        Assert.Equal(lag, GroupCommand.Lag(brokerOffset, minOffset, consumerOffset));
}
