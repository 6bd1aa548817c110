using System.Diagnostics;
using Rocket.Cli.Commands.Shared;
using Xunit;

namespace Rocket.Tests.Cli;

public sealed class PacerTests
{
    [Fact]
    public void WaitUntil_never_returns_before_the_due_time()
    {
        for (int i = 0; i < 50; i++)
        {
            long due = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 5000 * (i % 10); // 0 .. 1.8 ms ahead
            Pacer.WaitUntil(due);
            Assert.True(Stopwatch.GetTimestamp() >= due);
        }
    }

    [Fact]
    public void WaitUntil_a_past_time_returns_at_once()
    {
        var watch = Stopwatch.StartNew();
        Pacer.WaitUntil(Stopwatch.GetTimestamp() - Stopwatch.Frequency);
        Assert.True(watch.ElapsedMilliseconds < 50);
    }
}
