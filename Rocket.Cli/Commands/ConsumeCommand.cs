using System.CommandLine;
using System.Globalization;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;

namespace Rocket.Cli.Commands;

/// <summary>
/// <c>rocket consume</c>: a push consumer that stops at <c>--count</c> or after <c>--timeout</c> seconds without a
/// new message, then reports what came in. With <c>--verify-id</c>/<c>--expect</c> it checks a <c>send --verify-id</c> run.
/// </summary>
public static class ConsumeCommand
{
    public sealed record ConsumeReport(
        string Topic, string Group, long Received, long? Unique, long? Duplicates, long? Missing, long[]? MissingSeqs, long Foreign,
        double ElapsedMs, double MsgsPerS, double StartMs, string StoppedBy, string? VerifyId, long? Expect,
        Dictionary<string, long> PerQueue, long Reconsumed, long FailedDeliveries, double FailRate, int? MaxReconsumeTimes,
        long? Early, double? LatenessP50Ms, double? LatenessP99Ms, bool Orderly, long? OrderViolations, long? Redelivered, long? OrderUnchecked);

    public static Command Create()
    {
        var topic = OptionRules.Topic();
        var group = new Option<string>("--group") { Description = "Consumer group", Required = true }.NameLike("group", 255);
        var filter = new Option<string>("--filter") { Description = "Tag expression: * or TagA || TagB", DefaultValueFactory = _ => "*" };
        filter.Validators.Add(r =>
        {
            // Refused before anything is attempted: parsed as tags, a SQL92 condition would match nothing, silently.
            var expression = r.GetValueOrDefault<string>();
            if (Protocol.TagExpression.Sql92Hint(expression) is { } why)
                r.AddError($"--filter '{expression}' looks like SQL92 ({why}); a tag expression is * or TagA || TagB, and a SQL92 condition goes in --sql");
        });
        var sql = SqlOption.Create();
        var count = new Option<long?>("--count") { Description = "Stop after this many messages" }.AtLeast(1);
        var timeout = new Option<double>("--timeout") { Description = "Stop after this many seconds without a new message (counted from when the consumer has started)", DefaultValueFactory = _ => 10 };
        timeout.Validators.Add(r => { if (r.GetValueOrDefault<double>() <= 0) r.AddError("--timeout must be a positive number of seconds"); });
        var from = new Option<string>("--from")
        {
            Description = "Where a group without stored offsets starts: first, last, or an ISO 8601 time",
            DefaultValueFactory = _ => "last",
        };
        from.Validators.Add(r =>
        {
            if (!TryParseFrom(r.GetValueOrDefault<string>() ?? "", out _, out _))
                r.AddError($"--from must be first, last or an ISO 8601 time such as 2025-01-31T12:00:00Z (got '{r.GetValueOrDefault<string>()}')");
        });
        var verifyId = new Option<string?>("--verify-id") { Description = "Check VERIFY_SEQ of messages with this VERIFY_ID (needs --expect)" };
        var expect = new Option<int?>("--expect") { Description = "With --verify-id: sequence numbers 0..N-1 are expected" }.AtLeast(1);
        var broadcast = new Option<bool>("--broadcast") { Description = "Broadcasting: this consumer gets every message, not a share" };
        var offsetStoreDir = new Option<string?>("--offset-store-dir")
        {
            Description = "With --broadcast: the folder of the local offset file (default ~/.rocketmq_offsets); a restarted broadcast consumer resumes from it",
        };
        var failRate = new Option<double>("--fail-rate")
        {
            Description = "Testing aid: the handler answers RetryLater for this fraction of deliveries (0..1; 1 = always)",
        };
        failRate.Validators.Add(r =>
        {
            double rate = r.GetValueOrDefault<double>();
            if (!(rate >= 0 && rate <= 1)) r.AddError($"--fail-rate must be between 0 and 1 (got {rate.ToString(CultureInfo.InvariantCulture)})");
        });
        var maxReconsume = new Option<int?>("--max-reconsume-times")
        {
            Description = "Sends back (clustering) or suspensions (--orderly) after which a failing message goes to %DLQ%<group>; default 16, unlimited with --orderly",
        }.AtLeast(0);
        var orderly = new Option<bool>("--orderly") { Description = "Orderly handler: per queue one batch at a time, in order, under the queue's broker lock; a failing batch suspends its queue" };
        var verifyOrder = new Option<bool>("--verify-order") { Description = "Per order key (KEYS) check that handled VERIFY_SEQ never goes backwards (JSON: order_violations, redelivered)" };
        var handledLog = new Option<string?>("--handled-log") { Description = "Testing aid: append 'utc-ticks KEYS VERIFY_SEQ' of every handled message to this file (needs --orderly)" };
        var command = new Command("consume", "Consume with a push consumer; report received, unique, duplicates, missing")
        {
            topic, group, filter, sql, count, timeout, from, verifyId, expect, broadcast, failRate, maxReconsume, offsetStoreDir, orderly, verifyOrder, handledLog,
        };
        command.Validators.Add(result =>
        {
            if ((result.ValueOrDefault(verifyId) is null) != (result.ValueOrDefault(expect) is null))
                result.AddError("--verify-id and --expect go together: the id to check and how many sequence numbers were sent");
            if (result.ValueOrDefault(sql) is not null && result.GetResult(filter) is { Implicit: false })
                result.AddError("--filter (tags) and --sql are two kinds of subscription: give one (TAGS can be tested in --sql, e.g. TAGS = 'TagA')");
            if (result.ValueOrDefault(handledLog) is not null && !result.ValueOrDefault(orderly))
                result.AddError("--handled-log records the handling order of an orderly consumer: it needs --orderly");
            if (result.ValueOrDefault(broadcast) && !result.ValueOrDefault(orderly) && result.GetResult(maxReconsume) is { Implicit: false })
                result.AddError("--max-reconsume-times applies to clustering only: a broadcasting consumer has no retry topic and redelivers locally");
            if (!result.ValueOrDefault(broadcast) && result.ValueOrDefault(offsetStoreDir) is not null)
                result.AddError("--offset-store-dir applies to --broadcast only: a clustering group's offsets are stored on the brokers");
        });
        ClusterAction.Set(command, async (parse, cli, cancel) =>
        {
            TryParseFrom(parse.GetValue(from)!, out var consumeFrom, out var fromTime);
            var plan = new ConsumePlan(parse.GetValue(topic)!, parse.GetValue(group)!)
            {
                Filter = parse.GetValue(filter)!,
                Sql = parse.GetValue(sql),
                From = consumeFrom,
                FromTime = fromTime,
                Broadcast = parse.GetValue(broadcast),
                IdleTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                FailRate = parse.GetValue(failRate),
                MaxReconsumeTimes = parse.GetValue(maxReconsume),
                LocalOffsetStoreDir = parse.GetValue(offsetStoreDir),
                Orderly = parse.GetValue(orderly),
                Order = parse.GetValue(verifyOrder) ? new OrderTally() : null,
                HandledLog = parse.GetValue(handledLog),
            };
            string? id = parse.GetValue(verifyId);
            int? expected = parse.GetValue(expect);
            var tally = new ConsumeTally(id, expected ?? 0, trackIds: true, bornLatency: false);
            tally.SetTarget(expected ?? parse.GetValue(count) ?? 0);
            if (parse.GetValue(count) is { } c && expected is not null) cli.Info("--count is ignored with --expect: stopping when all expected numbers arrived");

            await using var client = cli.CreateClient();
            if (await client.GetRouteAsync(plan.Topic) is null)
                cli.Info($"topic {plan.Topic} has no route yet; waiting for messages anyway");
            var session = new ConsumeSession(client, plan, tally);
            await session.StartAsync();
            cli.Info($"consuming {plan.Topic} as {plan.Group} (started in {session.StartDuration.TotalMilliseconds:N0} ms; stops after {plan.IdleTimeout.TotalSeconds:0.#} s without messages)");
            await session.WaitAsync(cancel);
            await session.StopAsync();

            var report = Report(plan, session, id, expected);
            if (cli.Json) cli.WriteJson(report);
            else PrintHuman(cli.Out, report);
            bool complete = report.Missing is null or 0;
            return complete && session.StopReason != "interrupted" ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>"first", "last" or an ISO 8601 time (UTC unless it names an offset).</summary>
    public static bool TryParseFrom(string text, out ConsumeFrom from, out DateTimeOffset? time)
    {
        time = null;
        from = ConsumeFrom.Last;
        if (text.Equals("first", StringComparison.OrdinalIgnoreCase)) { from = ConsumeFrom.First; return true; }
        if (text.Equals("last", StringComparison.OrdinalIgnoreCase)) return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        (from, time) = (ConsumeFrom.Timestamp, parsed);
        return true;
    }

    private static ConsumeReport Report(ConsumePlan plan, ConsumeSession session, string? verifyId, int? expect)
    {
        var tally = session.Tally;
        var (missingCount, firstMissing) = tally.Missing();
        return new ConsumeReport(plan.Topic, plan.Group, tally.Received, tally.Unique, tally.Duplicates,
            verifyId is null ? null : missingCount, verifyId is null ? null : firstMissing, tally.Foreign,
            session.Elapsed.TotalMilliseconds, tally.Received / Math.Max(session.Elapsed.TotalSeconds, 1e-9),
            session.StartDuration.TotalMilliseconds, session.StopReason, verifyId, expect,
            tally.PerQueue.OrderBy(kv => kv.Key.Topic, StringComparer.Ordinal).ThenBy(kv => kv.Key.BrokerName, StringComparer.Ordinal).ThenBy(kv => kv.Key.QueueId)
                // Queues of another topic (the group's retry topic) are named with it.
                .ToDictionary(kv => (kv.Key.Topic == plan.Topic ? "" : kv.Key.Topic + ":") + $"{kv.Key.BrokerName}#{kv.Key.QueueId}", kv => kv.Value),
            tally.Reconsumed, tally.FailedDeliveries, plan.FailRate, plan.MaxReconsumeTimes,
            // Only for messages that carried a due time (timer and delay-level deliveries): null otherwise.
            tally.Due.Count == 0 ? null : tally.Due.Early, tally.Due.LatenessMs(50), tally.Due.LatenessMs(99),
            plan.Orderly, plan.Order?.Violations, plan.Order?.Redelivered, plan.Order?.Unchecked);
    }

    private static void PrintHuman(TextWriter o, ConsumeReport r)
    {
        o.WriteLine($"received {r.Received:N0} in {r.ElapsedMs / 1000:F2} s ({r.MsgsPerS:N0} msgs/s); stopped by {r.StoppedBy}");
        if (r.Unique is not null) o.WriteLine($"  unique {r.Unique:N0}, duplicates {r.Duplicates:N0}");
        if (r.Missing is not null)
            o.WriteLine(r.Missing == 0
                ? $"  all {r.Expect:N0} expected messages of {r.VerifyId} arrived"
                : $"  MISSING {r.Missing:N0} of {r.Expect:N0}; first: {string.Join(", ", r.MissingSeqs ?? [])}");
        if (r.Early is not null)
            o.WriteLine($"  due-time messages: {r.Early:N0} early, lateness p50 {r.LatenessP50Ms:N0} ms, p99 {r.LatenessP99Ms:N0} ms");
        if (r.OrderViolations is not null)
            o.WriteLine($"  order: {r.OrderViolations:N0} violation(s), {r.Redelivered:N0} redelivered, {r.OrderUnchecked:N0} without KEYS/VERIFY_SEQ");
        if (r.Foreign > 0) o.WriteLine($"  {r.Foreign:N0} message(s) without VERIFY_ID {r.VerifyId}");
        if (r.Reconsumed > 0 || r.FailedDeliveries > 0)
            o.WriteLine($"  {r.Reconsumed:N0} redelivery(ies) (reconsume count above 0); {r.FailedDeliveries:N0} delivery(ies) answered RetryLater");
        foreach (var (queue, n) in r.PerQueue) o.WriteLine($"  {queue,-30} {n,10:N0}");
    }
}
