using System.CommandLine;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;

namespace Rocket.Cli.Commands.Bench;

/// <summary>
/// <c>rocket bench e2e</c>: sends at a fixed rate for a duration while a push consumer in the same process receives;
/// latency is receive time minus the producer's microsecond timestamp (one clock, one machine).
/// </summary>
public static class BenchEndToEndCommand
{
    public static Command Create()
    {
        var bench = new BenchOptions();
        var rate = new Option<double>("--rate") { Description = "Messages per second", DefaultValueFactory = _ => 5000 };
        rate.Validators.Add(r => { if (r.GetValueOrDefault<double>() <= 0) r.AddError("--rate must be positive"); });
        var duration = new Option<double>("--duration") { Description = "Seconds of sending", DefaultValueFactory = _ => 10 };
        duration.Validators.Add(r => { if (r.GetValueOrDefault<double>() <= 0) r.AddError("--duration must be positive"); });
        var warmup = new Option<double>("--warmup") { Description = "Seconds of unmeasured sending first (JIT, connections)", DefaultValueFactory = _ => 2 }.AtLeast(0);
        var concurrency = new Option<int>("--concurrency") { Description = "Most sends in flight", DefaultValueFactory = _ => 1024 }.AtLeast(1);
        var timeout = new Option<double>("--timeout") { Description = "After sending, wait at most this many seconds without a message", DefaultValueFactory = _ => 5 };
        var command = new Command("e2e", "Send at a fixed rate while consuming; report end-to-end latency percentiles") { rate, duration, warmup, concurrency, timeout };
        bench.AddTo(command);
        ClusterAction.Set(command, async (parse, cli, cancel) =>
        {
            string topic = parse.GetValue(bench.Topic)!;
            int size = parse.GetValue(bench.Size);
            string runId = $"e2e-{Guid.NewGuid():N}"[..16];
            var plan = new SendPlan(topic, 0, size)
            {
                Rate = parse.GetValue(rate),
                Duration = TimeSpan.FromSeconds(parse.GetValue(duration)),
                Concurrency = parse.GetValue(concurrency),
                VerifyId = runId,
                StampBornMicros = true,
            };
            await using var client = cli.CreateClient();
            await TopicSetup.EnsureAsync(client, cli, topic, parse.GetValue(bench.Queues));
            var producer = client.CreateProducer("BENCH_PRODUCER");

            // A new group from the last offset: only messages sent from now on; the verify id separates them from the warm-up.
            var expected = new SendLoad(producer, plan).Total;
            var tally = new ConsumeTally(runId, (int)expected, trackIds: false, bornLatency: true);
            var session = new ConsumeSession(client, new ConsumePlan(topic, runId)
            {
                From = ConsumeFrom.Last,
                IdleTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                HandlerBatch = 1, // a message is handled as soon as it is pulled; batching would add waiting
            }, tally);
            await session.StartAsync();
            if (parse.GetValue(warmup) > 0)
            {
                cli.Info($"warming up for {parse.GetValue(warmup):0.#} s ...");
                await new SendLoad(producer, plan with { VerifyId = runId + "-w", Duration = TimeSpan.FromSeconds(parse.GetValue(warmup)) }).RunAsync(cancel);
            }

            cli.Info($"sending {plan.Rate:N0} msgs/s x {size} B for {plan.Duration!.Value.TotalSeconds:0.#} s to {topic}, consuming as {runId} ...");
            var load = new SendLoad(producer, plan);
            var gcAtStart = ClientGc.SoFar();
            var send = load.RunAsync(cancel);
            await ProgressDisplay.TrackAsync(cli.Err, "e2e", load.Total, () => load.Completed, send);
            var sendElapsed = await send;
            tally.SetTarget(load.Sent);
            await session.WaitAsync(cancel);
            var gc = ClientGc.SoFar().Since(gcAtStart); // sending and receiving, not the consumer's stop
            await session.StopAsync();

            var e2e = tally.BornLatency!.Summary();
            double seconds = sendElapsed.TotalSeconds;
            return BenchOptions.Finish(cli, new BenchReport("e2e", topic, size)
            {
                Sent = load.Sent,
                Failed = load.Failed,
                Received = tally.Unique ?? 0,
                ElapsedMs = sendElapsed.TotalMilliseconds,
                MsgsPerS = load.Sent / seconds,
                MbPerS = load.Sent * (double)size / 1e6 / seconds,
                TargetRate = plan.Rate,
                LatencyOf = "end-to-end latency (receive - send)",
                P50Us = e2e.P50Us,
                P99Us = e2e.P99Us,
                P999Us = e2e.P999Us,
                MaxUs = e2e.MaxUs,
                SendP99Us = load.Latency.Percentile(99),
                Concurrency = plan.Concurrency,
                Missing = load.Sent - (tally.Unique ?? 0), // stored but never received
                Duplicates = tally.Duplicates,
                Errors = load.Errors.ToArray(),
                ClientGcCollections = gc.Collections,
                ClientGcPauseMs = gc.PausedMs,
                ClientGcPauseMeanMs = gc.MeanPauseMs,
            });
        });
        return command;
    }
}
