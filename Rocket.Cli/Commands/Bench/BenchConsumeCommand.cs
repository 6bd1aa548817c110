using System.CommandLine;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;

namespace Rocket.Cli.Commands.Bench;

/// <summary>
/// <c>rocket bench consume</c>: drains a backlog with a push consumer in a new group (from the first message) and
/// measures the receive rate from the first to the last message. <c>--prefill N</c> produces the backlog first (with
/// <c>--prop</c> properties); <c>--sql</c> consumes through a broker-side SQL92 filter, and the report gives the
/// broker's CPU per delivered message.
/// </summary>
public static class BenchConsumeCommand
{
    public static Command Create()
    {
        var bench = new BenchOptions();
        var prefill = new Option<long>("--prefill") { Description = "Send this many messages first (the backlog)", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var count = new Option<long?>("--count") { Description = "Messages to consume (default: --prefill, or until idle)" }.AtLeast(1);
        var group = new Option<string?>("--group") { Description = "Consumer group (default: a new one, so the backlog starts at the first message)" };
        var timeout = new Option<double>("--timeout") { Description = "Stop after this many seconds without a message", DefaultValueFactory = _ => 5 };
        var concurrency = new Option<int>("--concurrency") { Description = "Sends in flight while prefilling", DefaultValueFactory = _ => 256 }.AtLeast(1);
        var properties = PropertyTemplate.Option();
        var sql = SqlOption.Create();
        var brokerPid = new Option<int?>("--broker-pid") { Description = "Broker process whose CPU is measured (default: the only local Rocket.Node)" };
        var orderly = new Option<bool>("--orderly") { Description = "Orderly handler (per queue one batch at a time, under the queue's broker lock)" };
        var command = new Command("consume", "Drain a backlog (optionally --prefill it first); report the consume rate")
        {
            prefill, count, group, timeout, concurrency, properties, sql, brokerPid, orderly,
        };
        bench.AddTo(command);
        ClusterAction.Set(command, async (parse, cli, cancel) =>
        {
            string topic = parse.GetValue(bench.Topic)!;
            int size = parse.GetValue(bench.Size);
            await using var client = cli.CreateClient();
            await TopicSetup.EnsureAsync(client, cli, topic, parse.GetValue(bench.Queues));

            var templates = PropertyTemplate.ParseAll(parse.GetValue(properties));
            string? condition = parse.GetValue(sql);
            long prefilled = 0;
            if (parse.GetValue(prefill) is > 0 and var n)
            {
                var load = new SendLoad(client.CreateProducer("BENCH_PRODUCER"), new SendPlan(topic, n, size) { Concurrency = parse.GetValue(concurrency), Properties = templates });
                var fill = load.RunAsync(cancel);
                await ProgressDisplay.TrackAsync(cli.Err, "prefill", n, () => load.Completed, fill);
                var took = await fill;
                prefilled = load.Sent;
                cli.Info($"prefilled {load.Sent:N0} messages in {took.TotalSeconds:F1} s ({load.Failed:N0} failed)");
            }

            long? matching = condition is null ? null : FilterTarget.Matching(condition, templates, prefilled);
            if (condition is not null && matching is null)
                cli.Info("--sql reads properties --prop does not set: the matching count is unknown, so the drain stops when idle");
            long target = parse.GetValue(count) ?? (condition is null ? prefilled : matching ?? 0);
            var plan = new ConsumePlan(topic, parse.GetValue(group) ?? $"bench-consume-{Guid.NewGuid():N}"[..27])
            {
                From = ConsumeFrom.First,
                IdleTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                Sql = condition,
                Orderly = parse.GetValue(orderly),
            };
            var tally = new ConsumeTally(null, 0, trackIds: false, bornLatency: false);
            tally.SetTarget(target);
            var session = new ConsumeSession(client, plan, tally);
            cli.Info($"consuming {(target > 0 ? $"{target:N0} messages" : "until idle")} from {topic} as {plan.Group} ...");
            var cpu = BrokerCpu.Start(parse.GetValue(brokerPid), out var noCpu);
            if (cpu is null) cli.Info($"broker CPU not measured: {noCpu}");
            await session.StartAsync();
            var wait = session.WaitAsync(cancel);
            await ProgressDisplay.TrackAsync(cli.Err, "consume", target, () => tally.Received, wait);
            double? brokerCpuMs = cpu?.ElapsedMs();
            await session.StopAsync();

            // The rate runs from the first to the last message: the group's join is start-up, not consuming.
            double seconds = Math.Max(tally.ReceiveSpan.TotalSeconds, 1e-9);
            cli.Info($"group joined in {session.StartDuration.TotalMilliseconds:N0} ms; stopped by {session.StopReason}");
            return BenchOptions.Finish(cli, new BenchReport("consume", topic, size)
            {
                Sent = prefilled,
                Received = tally.Received,
                ElapsedMs = tally.ReceiveSpan.TotalMilliseconds,
                MsgsPerS = tally.Received / seconds,
                MbPerS = tally.Bytes / 1e6 / seconds,
                LatencyOf = plan.Orderly ? "none (backlog, orderly)" : "none (backlog)",
                // Short of the target; duplicates are not counted (telling them apart needs an id per message,
                // which would slow the drain being measured), so they are reported as unknown (null).
                Missing = target > 0 ? Math.Max(0, target - tally.Received) : null,
                Sql = condition,
                Matching = matching,
                BrokerCpuMs = brokerCpuMs,
                BrokerCpuUsPerMsg = brokerCpuMs is { } ms && tally.Received > 0 ? ms * 1000 / tally.Received : null,
            });
        });
        return command;
    }
}
