using System.CommandLine;
using Rocket.Cli.Commands.Shared;

namespace Rocket.Cli.Commands.Bench;

/// <summary><c>rocket bench produce</c>: N messages as fast as <c>--concurrency</c> awaiting senders go; send latency percentiles.</summary>
public static class BenchProduceCommand
{
    public static Command Create()
    {
        var bench = new BenchOptions();
        var count = new Option<long>("--count") { Description = "Messages to send", DefaultValueFactory = _ => 300_000 }.AtLeast(1);
        var concurrency = new Option<int>("--concurrency") { Description = "Sends in flight (tasks each awaiting its send)", DefaultValueFactory = _ => 256 }.AtLeast(1);
        var batch = new Option<int>("--batch") { Description = "Messages per send call", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var warmup = new Option<long>("--warmup") { Description = "Messages sent first and not measured (JIT in client and broker, connections)", DefaultValueFactory = _ => 50_000 }.AtLeast(0);
        var command = new Command("produce", "Send N messages with many in flight; report msgs/s, MB/s and send latency") { count, concurrency, batch, warmup };
        bench.AddTo(command);
        ClusterAction.Set(command, async (parse, cli, cancel) =>
        {
            string topic = parse.GetValue(bench.Topic)!;
            int size = parse.GetValue(bench.Size);
            await using var client = cli.CreateClient();
            await TopicSetup.EnsureAsync(client, cli, topic, parse.GetValue(bench.Queues));
            var producer = client.CreateProducer("BENCH_PRODUCER");
            var plan = new SendPlan(topic, parse.GetValue(count), size) { Concurrency = parse.GetValue(concurrency), Batch = parse.GetValue(batch) };

            if (parse.GetValue(warmup) > 0)
            {
                cli.Info($"warming up with {parse.GetValue(warmup):N0} messages ...");
                await new SendLoad(producer, plan with { Count = parse.GetValue(warmup) }).RunAsync(cancel);
            }
            cli.Info($"sending {plan.Count:N0} x {size} B to {topic}, {plan.Concurrency} in flight, batch {plan.Batch} ...");
            var load = new SendLoad(producer, plan);
            var run = load.RunAsync(cancel);
            await ProgressDisplay.TrackAsync(cli.Err, "produce", load.Total, () => load.Completed, run);
            var elapsed = await run;
            double seconds = elapsed.TotalSeconds;
            var latency = load.Latency.Summary();
            return BenchOptions.Finish(cli, new BenchReport("produce", topic, size)
            {
                Sent = load.Sent,
                Failed = load.Failed,
                ElapsedMs = elapsed.TotalMilliseconds,
                MsgsPerS = load.Sent / seconds,
                MbPerS = load.Sent * (double)size / 1e6 / seconds,
                LatencyOf = plan.Batch > 1 ? "send latency per batch" : "send latency",
                P50Us = latency.P50Us,
                P99Us = latency.P99Us,
                P999Us = latency.P999Us,
                MaxUs = latency.MaxUs,
                Concurrency = plan.Concurrency,
                Errors = load.Errors.ToArray(),
            });
        });
        return command;
    }
}
