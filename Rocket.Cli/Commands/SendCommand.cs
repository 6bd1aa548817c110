using System.CommandLine;
using Rocket.Cli.Commands.Shared;
using Rocket.Cli.Commands.Transaction;

namespace Rocket.Cli.Commands;

/// <summary>
/// <c>rocket send</c>: sends generated messages and reports throughput and per-send latency. With
/// <c>--verify-id</c> every message carries VERIFY_ID / VERIFY_SEQ so that <c>rocket consume --verify-id</c> can
/// name exactly what went missing.
/// </summary>
public static class SendCommand
{
    public sealed record SendReport(
        string Topic, string Mode, int Size, int Batch, long Count, long Sent, long Failed, double ElapsedMs, double MsgsPerS,
        double MbPerS, double? P50Us, double? P99Us, double? P999Us, double? MaxUs, string? VerifyId, string[] Errors);

    public static Command Create()
    {
        var topic = OptionRules.Topic();
        var count = new Option<long>("--count") { Description = "Messages to send", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var size = new Option<int>("--size") { Description = "Body size in bytes", DefaultValueFactory = _ => 128 }.AtLeast(1);
        var tag = new Option<string?>("--tag") { Description = "Tag (TAGS) of every message" };
        var keys = new Option<string?>("--keys") { Description = "Keys (KEYS) of every message, space-separated" };
        var mode = new Option<string>("--mode") { Description = "sync (await each send), async (callback), oneway (no answer)", DefaultValueFactory = _ => "sync" };
        mode.AcceptOnlyFromAmong("sync", "async", "oneway");
        var batch = new Option<int>("--batch") { Description = "Messages per send call (batch send); 1 = single sends", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var verifyId = new Option<string?>("--verify-id") { Description = "Add properties VERIFY_ID=<id> and VERIFY_SEQ=0..count-1 for `consume --verify-id`" };
        var delayLevel = new Option<int?>("--delay-level")
        {
            Description = "Delay level of every message: 1..N of the broker's message-delay-level (default 1s 5s 10s 30s 1m ... 2h); the broker refuses a level above its table",
        }.AtLeast(1);
        var properties = PropertyTemplate.Option();
        var orderKeys = new Option<int?>("--order-keys")
        {
            Description = "Ordered messages: message i gets KEYS k{i%K} and goes to the queue the hash selector picks for that key; each key's messages are sent one after another",
        }.AtLeast(1);
        var concurrency = new Option<int>("--concurrency") { Description = "Sends in flight at once", DefaultValueFactory = _ => 256 }.AtLeast(1);
        var (deliverAfter, deliverAt) = (TimerOptions.DeliverAfterMs(), TimerOptions.DeliverAt());
        var transaction = new Option<string?>("--transaction")
        {
            Description = "Send in transactions; the local transaction returns commit or rollback, or (check-*) Unknown and the check-back then commit or rollback",
        };
        transaction.AcceptOnlyFromAmong("commit", "rollback", "check-commit", "check-rollback");
        var group = new Option<string>("--group") { Description = "Producer group of --transaction (brokers ask its live producers to check)", DefaultValueFactory = _ => "DEFAULT_PRODUCER" }.NameLike("group", 255);
        var timeout = new Option<double>("--timeout") { Description = "With --transaction: seconds to keep answering check-backs until every message is settled", DefaultValueFactory = _ => 60 };
        timeout.Validators.Add(r => { if (r.GetValueOrDefault<double>() <= 0) r.AddError("--timeout must be a positive number of seconds"); });
        var command = new Command("send", "Send generated messages; report sent/failed, rate and latency percentiles")
        {
            topic, count, size, tag, keys, mode, batch, verifyId, properties, concurrency, delayLevel, transaction, group, timeout, deliverAfter, deliverAt, orderKeys,
        };
        TimerOptions.NotBoth(command, deliverAfter, deliverAt);
        command.Validators.Add(result =>
        {
            if (result.ValueOrDefault(mode) == "oneway" && result.ValueOrDefault(batch) > 1)
                result.AddError("--batch cannot be combined with --mode oneway (there is no one-way batch send)");
            if (result.ValueOrDefault(orderKeys) is not null && (result.ValueOrDefault(mode) is "async" or "oneway" || result.ValueOrDefault(batch) > 1
                    || result.ValueOrDefault(keys) is not null || result.ValueOrDefault(transaction) is not null))
                result.AddError("--order-keys sends each key's messages one at a time to its hash-selected queue: it cannot be combined with --mode async/oneway, --batch, --keys or --transaction");
            if (result.ValueOrDefault(transaction) is not null && (result.ValueOrDefault(mode) is "async" or "oneway" || result.ValueOrDefault(batch) > 1))
                result.AddError("--transaction sends one message per transaction and waits for it: it cannot be combined with --mode async/oneway or --batch");
        });
        ClusterAction.Set(command, async (parse, cli, cancel) =>
        {
            var plan = new SendPlan(parse.GetValue(topic)!, parse.GetValue(count), parse.GetValue(size))
            {
                Mode = Enum.Parse<SendMode>(parse.GetValue(mode)!, ignoreCase: true),
                Batch = parse.GetValue(batch),
                Concurrency = parse.GetValue(concurrency),
                Tag = parse.GetValue(tag),
                Keys = parse.GetValue(keys),
                VerifyId = parse.GetValue(verifyId),
                DeliverAfter = parse.GetValue(deliverAfter) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                DeliverAt = TimerOptions.ParseTime(parse.GetValue(deliverAt)) is { } at ? _ => at : null,
                DelayLevel = parse.GetValue(delayLevel),
                Properties = PropertyTemplate.ParseAll(parse.GetValue(properties)),
                OrderKeys = parse.GetValue(orderKeys),
            };
            await using var client = cli.CreateClient();
            // One route look-up first: fails fast and clearly when no seed answers, instead of N failed sends.
            if (await client.GetRouteAsync(plan.Topic) is null)
                cli.Info($"topic {plan.Topic} has no route yet; sending anyway (brokers with auto-create-topic-enable create it)");
            if (parse.GetValue(transaction) is { } transactionMode)
                return await TransactionSend.RunAsync(cli, client, plan, TransactionSend.Parse(transactionMode), parse.GetValue(group)!,
                    TimeSpan.FromSeconds(parse.GetValue(timeout)), cancel);
            var load = new SendLoad(client.CreateProducer(), plan);
            cli.Info($"sending {plan.Count:N0} x {plan.Size} B to {plan.Topic} ({parse.GetValue(mode)}, batch {plan.Batch}, {plan.Concurrency} in flight)");
            var run = load.RunAsync(cancel);
            await ProgressDisplay.TrackAsync(cli.Err, "sent", load.Total, () => load.Completed, run);
            var elapsed = await run;
            var report = Report(plan, load, elapsed);
            foreach (var e in load.Errors) cli.Err.WriteLine($"send error: {e}");
            if (cli.Json) cli.WriteJson(report);
            else
            {
                cli.Out.WriteLine($"sent {report.Sent:N0} of {report.Count:N0} ({report.Failed:N0} failed) in {report.ElapsedMs / 1000:F2} s: " +
                                  $"{report.MsgsPerS:N0} msgs/s, {report.MbPerS:N1} MB/s");
                cli.Out.WriteLine($"latency per {(plan.Mode == SendMode.Oneway ? "call" : "send")}: {load.Latency.Summary()}");
            }
            return report.Failed == 0 && report.Sent == report.Count ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static SendReport Report(SendPlan plan, SendLoad load, TimeSpan elapsed)
    {
        double seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        var latency = load.Latency.Summary();
        return new SendReport(plan.Topic, plan.Mode.ToString().ToLowerInvariant(), plan.Size, plan.Batch, load.Total, load.Sent, load.Failed,
            elapsed.TotalMilliseconds, load.Sent / seconds, load.Sent * (double)plan.Size / 1e6 / seconds,
            latency.P50Us, latency.P99Us, latency.P999Us, latency.MaxUs, plan.VerifyId, load.Errors.ToArray());
    }
}
