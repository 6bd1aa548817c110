using System.Text.Json;
using Akka.Actor;
using Rocket.Cli.Commands.Shared;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>
/// <c>rocket send</c>, <c>consume</c> and <c>progress</c> against a real standalone node: what <c>send --verify-id</c>
/// stores, <c>consume --verify-id --expect</c> accounts for message by message, and <c>progress</c> shows as lag.
/// </summary>
[Collection(MultiProcess.LaneB)]
public class SendConsumeVerbTests(StandaloneNode node) : IClassFixture<StandaloneNode>
{
    [Fact]
    public async Task Sent_messages_are_consumed_exactly_once_and_progress_shows_the_lag_of_what_came_after()
    {
        const string topic = "RoundTrip";
        (await node.RocketAsync("topic", "create", "--topic", topic, "--queues", "4")).Exits(ExitCodes.Ok);

        var sent = (await node.RocketAsync("send", "--topic", topic, "--count", "400", "--size", "64", "--tag", "TagA", "--keys", "k1",
            "--verify-id", "rt1")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(400, sent.GetProperty("sent").GetInt64());
        Assert.Equal(0, sent.GetProperty("failed").GetInt64());
        Assert.Empty(sent.GetProperty("errors").EnumerateArray());
        Assert.True(sent.GetProperty("elapsed_ms").GetDouble() > 0);
        Assert.True(sent.GetProperty("msgs_per_s").GetDouble() > 0);
        Assert.True(sent.GetProperty("mb_per_s").GetDouble() > 0);
        double p50 = sent.GetProperty("p50_us").GetDouble(), p99 = sent.GetProperty("p99_us").GetDouble(),
            p999 = sent.GetProperty("p999_us").GetDouble(), max = sent.GetProperty("max_us").GetDouble();
        Assert.True(0 < p50 && p50 <= p99 && p99 <= p999 && p999 <= max, $"percentiles out of order: {p50} {p99} {p999} {max}");

        var consumed = (await node.RocketAsync("consume", "--topic", topic, "--group", "rt-group", "--from", "first", "--filter", "TagA",
            "--verify-id", "rt1", "--expect", "400")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(400, consumed.GetProperty("received").GetInt64());
        Assert.Equal(400, consumed.GetProperty("unique").GetInt64());
        Assert.Equal(0, consumed.GetProperty("duplicates").GetInt64());
        Assert.Equal(0, consumed.GetProperty("missing").GetInt64());
        Assert.Empty(consumed.GetProperty("missing_seqs").EnumerateArray());
        Assert.Equal(0, consumed.GetProperty("foreign").GetInt64());
        Assert.Equal("count", consumed.GetProperty("stopped_by").GetString());
        Assert.True(consumed.GetProperty("elapsed_ms").GetDouble() > 0);
        Assert.True(consumed.GetProperty("msgs_per_s").GetDouble() > 0);
        var perQueue = consumed.GetProperty("per_queue").EnumerateObject().ToArray();
        Assert.All(perQueue, q => Assert.StartsWith("broker-a#", q.Name));
        Assert.Equal(400, perQueue.Sum(q => q.Value.GetInt64()));

        var progress = (await node.RocketAsync("progress", "--group", "rt-group")).Exits(ExitCodes.Ok).Json();
        var queues = QueuesOf(progress, topic);
        Assert.Equal(4, queues.Length);
        Assert.All(queues, q =>
        {
            Assert.Equal("broker-a", q.GetProperty("broker").GetString());
            Assert.Equal(q.GetProperty("broker_offset").GetInt64(), q.GetProperty("consumer_offset").GetInt64());
            Assert.Equal(0, q.GetProperty("lag").GetInt64());
        });
        Assert.Equal(400, queues.Sum(q => q.GetProperty("broker_offset").GetInt64()));
        Assert.Equal([0, 1, 2, 3], queues.Select(q => q.GetProperty("queue_id").GetInt32()).Order());
        Assert.Equal(0, progress.GetProperty("total_lag").GetInt64());

        (await node.RocketAsync("send", "--topic", topic, "--count", "30", "--verify-id", "rt2")).Exits(ExitCodes.Ok);
        progress = (await node.RocketAsync("progress", "--group", "rt-group")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(30, QueuesOf(progress, topic).Sum(q => q.GetProperty("lag").GetInt64()));
        Assert.Equal(30, progress.GetProperty("total_lag").GetInt64());
    }

    /// <summary>
    /// Every send mode delivers: the sync run goes last, so every other run's messages sit before it in each queue and
    /// its consumer counts all of them as foreign before its own last message arrives.
    /// </summary>
    [Fact]
    public async Task Every_send_mode_delivers_every_message_and_other_runs_count_as_foreign()
    {
        const string topic = "SendModes";
        (await node.RocketAsync("topic", "create", "--topic", topic, "--queues", "4")).Exits(ExitCodes.Ok);
        string[][] runs = [["async", "--mode", "async"], ["oneway", "--mode", "oneway"], ["batch", "--batch", "10"], ["sync", "--mode", "sync"]];
        foreach (var run in runs)
        {
            var sent = (await node.RocketAsync(["send", "--topic", topic, "--count", "200", "--verify-id", $"mode-{run[0]}", .. run[1..]]))
                .Exits(ExitCodes.Ok).Json();
            Assert.Equal(200, sent.GetProperty("sent").GetInt64());
            Assert.Equal(0, sent.GetProperty("failed").GetInt64());
        }
        foreach (var run in runs)
        {
            var consumed = (await node.RocketAsync("consume", "--topic", topic, "--group", $"modes-{run[0]}", "--from", "first",
                "--verify-id", $"mode-{run[0]}", "--expect", "200")).Exits(ExitCodes.Ok).Json();
            Assert.Equal(200, consumed.GetProperty("unique").GetInt64());
            Assert.Equal(0, consumed.GetProperty("missing").GetInt64());
            Assert.Equal(0, consumed.GetProperty("duplicates").GetInt64());
            if (run[0] == "sync") Assert.Equal(600, consumed.GetProperty("foreign").GetInt64());
        }
    }

    [Fact]
    public async Task Consume_names_the_missing_sequence_numbers_and_exits_1()
    {
        (await node.RocketAsync("send", "--topic", "Gaps", "--count", "20", "--verify-id", "gap1")).Exits(ExitCodes.Ok);
        var consumed = (await node.RocketAsync("consume", "--topic", "Gaps", "--group", "gaps", "--from", "first",
            "--verify-id", "gap1", "--expect", "25", "--timeout", "2")).Exits(ExitCodes.Failed).Json();
        Assert.Equal(20, consumed.GetProperty("unique").GetInt64());
        Assert.Equal(5, consumed.GetProperty("missing").GetInt64());
        Assert.Equal([20, 21, 22, 23, 24], consumed.GetProperty("missing_seqs").EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal("idle", consumed.GetProperty("stopped_by").GetString());
    }

    [Fact]
    public async Task Consume_from_a_time_starts_after_what_was_stored_before_it()
    {
        const string topic = "FromTime";
        (await node.RocketAsync("topic", "create", "--topic", topic, "--queues", "2")).Exits(ExitCodes.Ok);
        (await node.RocketAsync("send", "--topic", topic, "--count", "50", "--verify-id", "before")).Exits(ExitCodes.Ok);
        // Every "before" message was stored before its acknowledgement; the "after" run starts seconds later (a new process).
        string from = DateTimeOffset.UtcNow.AddMilliseconds(5).ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        (await node.RocketAsync("send", "--topic", topic, "--count", "50", "--verify-id", "after")).Exits(ExitCodes.Ok);

        var consumed = (await node.RocketAsync("consume", "--topic", topic, "--group", "from-time", "--from", from,
            "--verify-id", "after", "--expect", "50", "--timeout", "5")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(50, consumed.GetProperty("unique").GetInt64());
        Assert.Equal(0, consumed.GetProperty("missing").GetInt64());
        Assert.Equal(0, consumed.GetProperty("foreign").GetInt64());
    }

    [Fact]
    public async Task A_broadcast_consumer_stops_at_its_count_with_distinct_messages()
    {
        const string topic = "Broadcast";
        (await node.RocketAsync("send", "--topic", topic, "--count", "120")).Exits(ExitCodes.Ok);
        using var offsets = new TempDirectory("broadcast-offsets");
        var consumed = (await node.RocketAsync("consume", "--topic", topic, "--group", "broadcast", "--broadcast", "--from", "first",
            "--count", "120", "--offset-store-dir", offsets.Path)).Exits(ExitCodes.Ok).Json();
        Assert.Equal("count", consumed.GetProperty("stopped_by").GetString());
        Assert.Equal(120, consumed.GetProperty("received").GetInt64());
        Assert.Equal(120, consumed.GetProperty("unique").GetInt64());
        Assert.Equal(0, consumed.GetProperty("duplicates").GetInt64());
        Assert.Equal(JsonValueKind.Null, consumed.GetProperty("missing").ValueKind); // only known with --verify-id
    }

    [Fact]
    public async Task Progress_of_a_group_without_offsets_is_empty()
    {
        var progress = (await node.RocketAsync("progress", "--group", "never-consumed")).Exits(ExitCodes.Ok).Json();
        Assert.Empty(progress.GetProperty("queues").EnumerateArray());
        Assert.Equal(0, progress.GetProperty("total_lag").GetInt64());
    }

    [Fact]
    public async Task Sends_a_broker_refuses_are_counted_as_failed_with_the_reason_and_exit_1()
    {
        (await node.RocketAsync("topic", "create", "--topic", "ReadOnly", "--queues", "2", "--perm", "4")).Exits(ExitCodes.Ok);
        var sent = (await node.RocketAsync("send", "--topic", "ReadOnly", "--count", "3")).Exits(ExitCodes.Failed).Json();
        Assert.Equal(0, sent.GetProperty("sent").GetInt64());
        Assert.Equal(3, sent.GetProperty("failed").GetInt64());
        Assert.Contains("ReadOnly", Assert.Single(sent.GetProperty("errors").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Send_with_a_delay_level_is_consumed_after_it_and_a_level_above_the_table_fails_naming_the_table()
    {
        const string topic = "DelayedVerb";
        (await node.RocketAsync("topic", "create", "--topic", topic, "--queues", "2")).Exits(ExitCodes.Ok);
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var sent = (await node.RocketAsync("send", "--topic", topic, "--count", "20", "--delay-level", "1", "--verify-id", "d1")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(20, sent.GetProperty("sent").GetInt64());
        var consumed = (await node.RocketAsync("consume", "--topic", topic, "--group", "delayed-group", "--from", "first",
            "--verify-id", "d1", "--expect", "20")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(20, consumed.GetProperty("unique").GetInt64());
        Assert.Equal(0, consumed.GetProperty("missing").GetInt64());
        // Level 1 of the default table is 1 s: nothing could be consumed sooner after the first send.
        Assert.True(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - before >= 1000);

        var refused = (await node.RocketAsync("send", "--topic", topic, "--count", "2", "--delay-level", "19")).Exits(ExitCodes.Failed).Json();
        Assert.Equal(2, refused.GetProperty("failed").GetInt64());
        Assert.All(refused.GetProperty("errors").EnumerateArray(),
            e => Assert.Contains("delay level 19 is above the broker's message-delay-level table of 18 levels", e.GetString()));
    }

    [Fact]
    public async Task Sigterm_stops_consume_with_its_report_and_exit_130()
    {
        const string topic = "Interrupted", group = "interrupted";
        (await node.RocketAsync("topic", "create", "--topic", topic, "--queues", "2")).Exits(ExitCodes.Ok);
        using var consume = RocketTool.Start("consume", "--topic", topic, "--group", group, "--timeout", "300", "--seeds", node.Seeds, "--json");
        await using (var client = node.Client())
        {
            var route = await client.Admin.GetRouteAsync(topic) ?? throw new InvalidOperationException($"no route for {topic}");
            var broker = client.System.ActorSelection(Assert.Single(route.Brokers).Path);
            await MultiProcess.AwaitAsync(async () => (await broker.Ask<ConsumerIds>(new GetConsumerIds(group), TimeSpan.FromSeconds(5))).ClientIds.Length == 1,
                "the consume process in its group", TimeSpan.FromSeconds(60));
        }

        Assert.Equal(ExitCodes.Interrupted, consume.Terminate(TimeSpan.FromSeconds(60)));
        var stdout = string.Join('\n', Lines(consume));
        var report = new ToolRun(["consume"], ExitCodes.Interrupted, stdout, consume.StandardError).Json();
        Assert.Equal("interrupted", report.GetProperty("stopped_by").GetString());
        Assert.Equal(0, report.GetProperty("received").GetInt64());
    }

    [Fact]
    public async Task Consume_with_sql_receives_only_the_messages_whose_send_prop_values_match()
    {
        const string topic = "SqlRoundTrip";
        (await node.RocketAsync("topic", "create", "--topic", topic, "--queues", "4")).Exits(ExitCodes.Ok);
        (await node.RocketAsync("send", "--topic", topic, "--count", "200", "--size", "32", "--verify-id", "sql1",
            "--prop", "a={i%10}", "--prop", "region=eu-{i}", "--tag", "TagA")).Exits(ExitCodes.Ok);

        // a = 3 keeps sequence numbers 3, 13, ..., 193; every other one is reported missing, so the run exits 1.
        var consumed = (await node.RocketAsync("consume", "--topic", topic, "--group", "sql-group", "--from", "first", "--timeout", "3",
            "--sql", "a = 3 AND region STARTSWITH 'eu-' AND TAGS = 'TagA'", "--verify-id", "sql1", "--expect", "200")).Exits(ExitCodes.Failed).Json();
        Assert.Equal(20, consumed.GetProperty("received").GetInt64());
        Assert.Equal(20, consumed.GetProperty("unique").GetInt64());
        Assert.Equal(0, consumed.GetProperty("duplicates").GetInt64());
        Assert.Equal(180, consumed.GetProperty("missing").GetInt64());
        var missing = consumed.GetProperty("missing_seqs").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.NotEmpty(missing);
        Assert.All(missing, seq => Assert.NotEqual(3, seq % 10));

        // The broker moved the group past the 180 messages that did not match: nothing is left to consume.
        var progress = (await node.RocketAsync("progress", "--group", "sql-group")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(200, QueuesOf(progress, topic).Sum(q => q.GetProperty("consumer_offset").GetInt64()));
        Assert.Equal(0, QueuesOf(progress, topic).Sum(q => q.GetProperty("lag").GetInt64()));
    }

    private static JsonElement[] QueuesOf(JsonElement progress, string topic) =>
        progress.GetProperty("queues").EnumerateArray().Where(q => q.GetProperty("topic").GetString() == topic).ToArray();

    [Fact]
    public async Task Offset_reset_rewinds_a_group_prints_old_and_new_per_queue_and_names_an_unknown_group_or_topic()
    {
        const string topic = "ResetVerb";
        (await node.RocketAsync("topic", "create", "--topic", topic, "--queues", "2")).Exits(ExitCodes.Ok);
        (await node.RocketAsync("send", "--topic", topic, "--count", "30", "--verify-id", "rv")).Exits(ExitCodes.Ok);
        // Stopped by idleness, not by count: a stop right after the last handler call may commit before that batch's offsets.
        var all = (await node.RocketAsync("consume", "--topic", topic, "--group", "rv-group", "--from", "first", "--timeout", "3"))
            .Exits(ExitCodes.Ok).Json();
        Assert.Equal(30, all.GetProperty("unique").GetInt64());

        var reset = (await node.RocketAsync("offset", "reset", "--group", "rv-group", "--topic", topic, "--to", "first")).Exits(ExitCodes.Ok).Json();
        Assert.Equal("first", reset.GetProperty("to").GetString());
        var queues = reset.GetProperty("queues").EnumerateArray().ToArray();
        Assert.Equal([0, 1], queues.Select(q => q.GetProperty("queue_id").GetInt32()));
        Assert.Equal(30, queues.Sum(q => q.GetProperty("old_offset").GetInt64()));
        Assert.All(queues, q => Assert.Equal(0, q.GetProperty("new_offset").GetInt64()));
        Assert.Empty(reset.GetProperty("notified_clients").EnumerateArray()); // nobody consumes now
        Assert.Empty(reset.GetProperty("errors").EnumerateArray());

        // The group reads everything again from the reset offsets, although it asks for "last".
        var again = (await node.RocketAsync("consume", "--topic", topic, "--group", "rv-group", "--from", "last", "--verify-id", "rv",
            "--expect", "30", "--timeout", "10")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(30, again.GetProperty("unique").GetInt64());

        var now = DateTimeOffset.UtcNow.ToString("O");
        var toNow = (await node.RocketAsync("offset", "reset", "--group", "rv-group", "--topic", topic, "--to", now)).Exits(ExitCodes.Ok).Json();
        Assert.Equal(30, toNow.GetProperty("queues").EnumerateArray().Sum(q => q.GetProperty("new_offset").GetInt64())); // all older: max

        var text = await RocketTool.RunAsync("offset", "reset", "--group", "rv-group", "--topic", topic, "--to", "first", "--seeds", node.Seeds);
        text.Exits(ExitCodes.Ok);
        Assert.Contains("old offset", text.Stdout);
        Assert.Contains("has no live consumer", text.Stdout);

        Assert.Contains("group 'nobody' is unknown",
            (await node.RocketAsync("offset", "reset", "--group", "nobody", "--topic", topic, "--to", "first")).Exits(ExitCodes.Failed).JsonError());
        Assert.Contains("topic 'NoSuchTopic' does not exist",
            (await node.RocketAsync("offset", "reset", "--group", "rv-group", "--topic", "NoSuchTopic", "--to", "first")).Exits(ExitCodes.Failed).JsonError());
        Assert.Contains("--to must be first, last or an ISO 8601 time",
            (await node.RocketAsync("offset", "reset", "--group", "rv-group", "--topic", topic, "--to", "yesterday")).Exits(ExitCodes.Usage).JsonError());
    }

    private static IEnumerable<string> Lines(ChildProcess process)
    {
        while (process.ReadLine(TimeSpan.FromSeconds(30)) is { } line) yield return line;
    }
}
