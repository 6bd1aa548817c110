using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Broker.Timer;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Timer;

/// <summary><c>timer/handover</c>: what a slave copied reads back as written, and any damage is named, never used.</summary>
public sealed class TimerHandoverFileTests
{
    [Property(MaxTest = 100)]
    public Property Any_progress_reads_back_as_written(long enqueueOffset, long deliveredBeforeMs, long lateFrom)
    {
        using var dir = new TempDirectory("handover");
        var path = TimerHandoverFile.PathIn(dir.Combine("timer"));
        var progress = new ReplicaTimerProgress(enqueueOffset, deliveredBeforeMs, lateFrom);
        TimerHandoverFile.Write(path, progress);
        return (TimerHandoverFile.Read(path, out var problem) == progress && problem is null).ToProperty();
    }

    [Property(MaxTest = 100)]
    public Property Any_changed_byte_is_reported_and_the_file_not_used(PositiveInt at, byte xor)
    {
        using var dir = new TempDirectory("handover");
        var path = TimerHandoverFile.PathIn(dir.Path);
        TimerHandoverFile.Write(path, new ReplicaTimerProgress(12, 1_700_000_000_000, long.MaxValue));
        var bytes = File.ReadAllBytes(path);
        bytes[at.Get % bytes.Length] ^= (byte)(xor | 1);
        File.WriteAllBytes(path, bytes);
        var read = TimerHandoverFile.Read(path, out var problem);
        return (read is null && problem is not null && problem.Contains("is damaged")).ToProperty();
    }

    [Fact]
    public void A_missing_file_is_no_handover_and_no_problem()
    {
        using var dir = new TempDirectory("handover");
        Assert.Null(TimerHandoverFile.Read(TimerHandoverFile.PathIn(dir.Path), out var problem));
        Assert.Null(problem);
    }
}
