using System.Diagnostics;
using Spectre.Console;

namespace Rocket.Cli.Commands.Shared;

/// <summary>
/// Shows how far a long-running step is: a Spectre.Console bar when stderr is a terminal, otherwise one plain line
/// per second (logs and CI output stay readable). Always on stderr.
/// </summary>
public static class ProgressDisplay
{
    public static async Task TrackAsync(TextWriter err, string label, long total, Func<long> done, Task work)
    {
        if (ReferenceEquals(err, Console.Error) && !Console.IsErrorRedirected)
            await TrackWithBarAsync(label, total, done, work);
        else
            await TrackWithLinesAsync(err, label, total, done, work);
        await work; // surfaces the work's exception, if any
    }

    private static async Task TrackWithBarAsync(string label, long total, Func<long> done, Task work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(label), maxValue: Math.Max(1, total));
                while (!work.IsCompleted)
                {
                    task.Value = done();
                    await Task.WhenAny(work, Task.Delay(200));
                }
                task.Value = done();
            });
    }

    private static async Task TrackWithLinesAsync(TextWriter err, string label, long total, Func<long> done, Task work)
    {
        var watch = Stopwatch.StartNew();
        long before = 0;
        var lastLine = TimeSpan.Zero;
        while (await Task.WhenAny(work, Task.Delay(1000)) != work)
        {
            long now = done();
            var elapsed = watch.Elapsed;
            err.WriteLine($"  {label}: {now:N0} / {total:N0} ({(now - before) / (elapsed - lastLine).TotalSeconds:N0}/s)");
            before = now;
            lastLine = elapsed;
        }
    }
}
