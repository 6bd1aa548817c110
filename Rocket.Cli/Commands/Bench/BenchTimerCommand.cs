using System.CommandLine;
using System.Diagnostics;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;

namespace Rocket.Cli.Commands.Bench;

/// <summary>
/// <c>rocket bench timer</c>: schedules N timer messages due from <c>--delay-ms</c> after the start of sending, spread
/// evenly over <c>--spread-ms</c>, consumes them, and reports the scheduling rate (sends acknowledged per second),
/// lateness (receive time minus TIMER_OUT_MS), early, missing and duplicate deliveries, and the broker's resident
/// memory (when it runs on this machine).
/// </summary>
public static class BenchTimerCommand
{
    public sealed record TimerBenchReport(
        string Bench, string Topic, int Size, long Count, long DelayMs, long SpreadMs, long Sent, long Failed, double ScheduleMsgsPerS,
        long Received, double? LatenessP50Ms, double? LatenessP99Ms, double? LatenessMaxMs, long Early, long Missing, long Duplicates,
        double? BrokerRssMb, double? BrokerRssStartMb, double? BrokerRssGrowthMb, double? BrokerAnonGrowthMb, string[] Errors);

    public static Command Create()
    {
        var bench = new BenchOptions();
        var count = new Option<long>("--count") { Description = "Timer messages to schedule", DefaultValueFactory = _ => 100_000 }.AtLeast(1);
        count.Validators.Add(r => { if (r.GetValueOrDefault<long>() > int.MaxValue) r.AddError($"--count is at most {int.MaxValue}"); });
        var delay = new Option<long>("--delay-ms") { Description = "Delay of the first message from the start of sending, ms", Required = true }.AtLeast(0);
        var spread = new Option<long>("--spread-ms") { Description = "Due times spread evenly over this many ms after the delay", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var size = new Option<int>("--size") { Description = "Body size in bytes", DefaultValueFactory = _ => 128 }.AtLeast(1);
        var concurrency = new Option<int>("--concurrency") { Description = "Sends in flight at once", DefaultValueFactory = _ => 1024 }.AtLeast(1);
        var timeout = new Option<double>("--timeout") { Description = "After the last due time, wait at most this many seconds without a message", DefaultValueFactory = _ => 10 };
        var brokerPid = new Option<int?>("--broker-pid") { Description = "Broker process to measure (default: the only local Rocket.Node)" };
        var command = new Command("timer", "Schedule timer messages over a spread, consume them; report scheduling rate, lateness, early, missing, broker memory")
        {
            bench.Topic, bench.Queues, count, delay, spread, size, concurrency, timeout, brokerPid,
        };
        ClusterAction.Set(command, async (parse, cli, cancel) =>
        {
            string topic = parse.GetValue(bench.Topic)!;
            long n = parse.GetValue(count), delayMs = parse.GetValue(delay), spreadMs = parse.GetValue(spread);
            string runId = $"timer-{Guid.NewGuid():N}"[..18];
            await using var client = cli.CreateClient();
            await TopicSetup.EnsureAsync(client, cli, topic, parse.GetValue(bench.Queues));
            await using var memory = BrokerMemory.Watch(parse.GetValue(brokerPid), out var noMemory);
            if (noMemory is not null) cli.Info($"broker memory not measured: {noMemory}");

            var tally = new ConsumeTally(runId, (int)n, trackIds: false, bornLatency: false);
            tally.SetTarget(n);
            var session = new ConsumeSession(client, new ConsumePlan(topic, runId)
            {
                From = ConsumeFrom.Last,
                IdleTimeout = TimeSpan.FromMilliseconds(delayMs + spreadMs) + TimeSpan.FromSeconds(parse.GetValue(timeout)),
            }, tally);
            await session.StartAsync();

            var start = DateTimeOffset.UtcNow;
            var plan = new SendPlan(topic, n, parse.GetValue(size))
            {
                Concurrency = parse.GetValue(concurrency),
                VerifyId = runId,
                DeliverAt = seq => start.AddMilliseconds(delayMs + (n == 1 ? 0 : spreadMs * (double)seq / (n - 1))),
            };
            cli.Info($"scheduling {n:N0} timer messages to {topic}, due {delayMs:N0}..{delayMs + spreadMs:N0} ms from now ...");
            var load = new SendLoad(client.CreateProducer("BENCH_TIMER_PRODUCER"), plan);
            var send = load.RunAsync(cancel);
            await ProgressDisplay.TrackAsync(cli.Err, "scheduled", load.Total, () => load.Completed, send);
            var sendElapsed = await send;
            tally.SetTarget(load.Sent);
            cli.Info($"scheduled {load.Sent:N0} in {sendElapsed.TotalSeconds:F1} s; waiting for deliveries ...");
            var wait = session.WaitAsync(cancel);
            await ProgressDisplay.TrackAsync(cli.Err, "delivered", load.Sent, () => tally.Unique ?? 0, wait);
            await wait;
            await session.StopAsync();

            var due = tally.Due;
            var report = new TimerBenchReport("timer", topic, plan.Size, n, delayMs, spreadMs, load.Sent, load.Failed,
                load.Sent / Math.Max(sendElapsed.TotalSeconds, 1e-9), tally.Unique ?? 0,
                due.LatenessMs(50), due.LatenessMs(99), due.MaxLatenessMs, due.Early,
                load.Sent - (tally.Unique ?? 0), tally.Duplicates ?? 0,
                memory?.Peak.RssMb, memory?.Start.RssMb, memory is null ? null : memory.Peak.RssMb - memory.Start.RssMb,
                memory is null ? null : memory.Peak.AnonMb - memory.Start.AnonMb, load.Errors.ToArray());
            foreach (var e in report.Errors) cli.Err.WriteLine($"error: {e}");
            if (cli.Json) cli.WriteJson(report);
            else
            {
                cli.Out.WriteLine($"bench timer: {report.Sent:N0} scheduled ({report.Failed:N0} failed) at {report.ScheduleMsgsPerS:N0} msgs/s; received {report.Received:N0}");
                cli.Out.WriteLine($"  lateness p50 {report.LatenessP50Ms:N0} ms, p99 {report.LatenessP99Ms:N0} ms, max {report.LatenessMaxMs:N0} ms; " +
                                  $"early {report.Early:N0}, missing {report.Missing:N0}, duplicates {report.Duplicates:N0}");
                if (memory is not null)
                    cli.Out.WriteLine($"  broker RSS {report.BrokerRssStartMb:N0} -> peak {report.BrokerRssMb:N0} MB (+{report.BrokerRssGrowthMb:N0}; private +{report.BrokerAnonGrowthMb:N0})");
            }
            return report.Failed == 0 && report.Missing == 0 && report.Early == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }
}
