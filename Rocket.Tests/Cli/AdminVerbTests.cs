using System.Text;
using System.Text.Json;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Cli;

/// <summary>
/// The admin verbs end to end against one standalone node: <c>message query</c>, <c>message get</c> (unique id and
/// offset message id), <c>group show</c>, <c>progress</c> listing uncommitted queues, and the broker figures of <c>cluster</c>.
/// </summary>
[Collection(MultiProcess.LaneB)]
public class AdminVerbTests(StandaloneNode node) : IClassFixture<StandaloneNode>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private RocketClient Client() => RocketClient.Create(new ClientSettings
    {
        Seeds = [node.Seeds], SendTimeout = TimeSpan.FromSeconds(10), PersistConsumerOffsetInterval = TimeSpan.FromMilliseconds(200),
    });

    private static async Task CreateTopicAsync(RocketClient client, string topic, int queues)
    {
        Assert.All(await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig(topic, queues, queues)), r => Assert.True(r.Ok, r.Error));
        await client.Admin.WaitForTopicAsync(topic, Patience);
    }

    [Fact]
    public async Task Message_query_and_get_find_messages_by_key_unique_id_and_offset_id_with_headers_properties_and_body()
    {
        await using var client = Client();
        await CreateTopicAsync(client, "AdminMsgs", 2);
        var producer = client.CreateProducer();
        var text = await producer.SendAsync(new Message("AdminMsgs", "hello admin"u8.ToArray()) { Keys = "order-42 customer-7", Tags = "TagA" });
        var binary = await producer.SendAsync(new Message("AdminMsgs", [0xde, 0xad, 0x00, 0xff]) { Keys = "order-42" });
        await producer.SendAsync(new Message("AdminMsgs", "other"u8.ToArray()) { Keys = "order-43" });
        Assert.Matches("^[0-9A-F]{32}$", text.OffsetMessageId!);
        Assert.NotEqual(text.MessageId, text.OffsetMessageId);
        // The key index is a projection of the log: it catches up within moments.
        await MultiProcess.AwaitAsync(async () => (await client.Admin.QueryMessagesByKeyAsync("AdminMsgs", "order-42")).Count == 2, "both messages indexed", Patience);

        var query = (await node.RocketAsync("message", "query", "--topic", "AdminMsgs", "--key", "order-42")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(2, query.GetProperty("count").GetInt32());
        var found = query.GetProperty("messages").EnumerateArray().ToDictionary(m => m.GetProperty("msg_id").GetString()!);
        Assert.Equal(new[] { text.MessageId, binary.MessageId }.Order(StringComparer.Ordinal), found.Keys.Order(StringComparer.Ordinal));
        var first = found[text.MessageId];
        Assert.Equal("AdminMsgs", first.GetProperty("topic").GetString());
        Assert.Equal(text.QueueId, first.GetProperty("queue_id").GetInt32());
        Assert.Equal(text.QueueOffset, first.GetProperty("queue_offset").GetInt64());
        Assert.Equal(text.OffsetMessageId, first.GetProperty("offset_msg_id").GetString());
        Assert.Equal("broker-a", first.GetProperty("broker").GetString());
        Assert.True(first.GetProperty("physical_offset").GetInt64() >= 0);
        Assert.True(first.GetProperty("store_time").GetDateTimeOffset() >= first.GetProperty("born_time").GetDateTimeOffset().AddSeconds(-5));
        Assert.Equal(0, first.GetProperty("reconsume_times").GetInt32());
        Assert.Equal(0, first.GetProperty("flag").GetInt32());
        Assert.Equal("TagA", first.GetProperty("properties").GetProperty("TAGS").GetString());
        Assert.Equal("order-42 customer-7", first.GetProperty("properties").GetProperty("KEYS").GetString());
        Assert.Equal(("utf8", "hello admin", 11), (first.GetProperty("body_encoding").GetString(), first.GetProperty("body").GetString(), first.GetProperty("body_bytes").GetInt32()));
        Assert.Equal(("hex", "DEAD00FF"), (found[binary.MessageId].GetProperty("body_encoding").GetString(), found[binary.MessageId].GetProperty("body").GetString()));

        // By the unique id a send returns ...
        var byUniqueId = (await node.RocketAsync("message", "get", "--id", text.MessageId)).Exits(ExitCodes.Ok).Json();
        Assert.Equal("msg_id", byUniqueId.GetProperty("id_kind").GetString());
        var one = Assert.Single(byUniqueId.GetProperty("messages").EnumerateArray());
        Assert.Equal((text.MessageId, text.OffsetMessageId), (one.GetProperty("msg_id").GetString(), one.GetProperty("offset_msg_id").GetString()));
        // ... and by its offset message id (broker address + commit-log offset).
        var byOffsetId = (await node.RocketAsync("message", "get", "--id", binary.OffsetMessageId!)).Exits(ExitCodes.Ok).Json();
        Assert.Equal("offset_msg_id", byOffsetId.GetProperty("id_kind").GetString());
        var other = Assert.Single(byOffsetId.GetProperty("messages").EnumerateArray());
        Assert.Equal((binary.MessageId, "DEAD00FF"), (other.GetProperty("msg_id").GetString(), other.GetProperty("body").GetString()));

        // Without --json: headers, properties and the body for a person.
        var human = (await RocketTool.RunAsync("message", "get", "--id", text.OffsetMessageId!, "--seeds", node.Seeds)).Exits(ExitCodes.Ok);
        foreach (var line in new[] { "topic              AdminMsgs", $"msg id             {text.MessageId}", "  KEYS = order-42 customer-7", "body (11 bytes, utf8)", "hello admin" })
            Assert.Contains(line, human.Stdout);

        // Nothing found is a clear error and exit 1; a bad time is a bad command line (2).
        Assert.Contains("no message has id", (await node.RocketAsync("message", "get", "--id", "00000000000000000000000000000000")).Exits(ExitCodes.Failed).JsonError());
        Assert.Contains("has key nobody", (await node.RocketAsync("message", "query", "--topic", "AdminMsgs", "--key", "nobody")).Exits(ExitCodes.Failed).JsonError());
        Assert.Contains("--begin", (await node.RocketAsync("message", "query", "--topic", "AdminMsgs", "--key", "k", "--begin", "yesterday")).Exits(ExitCodes.Usage).JsonError());
        var future = DateTimeOffset.UtcNow.AddDays(1).ToString("O");
        (await node.RocketAsync("message", "query", "--topic", "AdminMsgs", "--key", "order-42", "--begin", future)).Exits(ExitCodes.Failed);
        Assert.Contains("does not exist", (await node.RocketAsync("message", "query", "--topic", "NoSuchAdminTopic", "--key", "k")).Exits(ExitCodes.Failed).JsonError());
    }

    [Fact]
    public async Task Group_show_progress_and_cluster_report_members_every_queue_and_broker_figures()
    {
        await using var client = Client();
        await CreateTopicAsync(client, "AdminBusy", 2);
        await CreateTopicAsync(client, "AdminQuiet", 2);
        var producer = client.CreateProducer();
        for (int i = 0; i < 6; i++) await producer.SendAsync(new Message("AdminBusy", Encoding.UTF8.GetBytes($"m{i}")) { Tags = "TagA" });

        int received = 0;
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("AdminGroup") { ConsumeFrom = ConsumeFrom.First })
            .Subscribe("AdminBusy", "TagA || TagB")
            .Subscribe("AdminQuiet", "*")
            .RegisterHandler(batch =>
            {
                Interlocked.Add(ref received, batch.Count);
                return ConsumeResult.Success;
            });
        await consumer.StartAsync();
        await MultiProcess.AwaitAsync(() => Task.FromResult(Volatile.Read(ref received) >= 6), "6 messages consumed", Patience);
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetProgressAsync("AdminGroup"))
            .SelectMany(p => p.Queues).Where(q => q.Topic == "AdminBusy").Sum(q => Math.Max(0, q.ConsumerOffset)) == 6, "offsets committed", Patience);

        // cluster: the rates count whole seconds, so they show once the second of the last delivery has passed.
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetBrokerStatsAsync()).Single().DeliveredLastMinute >= 6, "deliveries counted", Patience);
        var broker = Assert.Single((await node.RocketAsync("cluster")).Exits(ExitCodes.Ok).Json().GetProperty("brokers").EnumerateArray());
        Assert.Equal("ASYNC_MASTER", broker.GetProperty("role").GetString());
        var stats = broker.GetProperty("stats");
        Assert.Equal(node.StorePath, stats.GetProperty("store_dir").GetString());
        Assert.True(stats.GetProperty("store_bytes").GetInt64() > 0);
        Assert.True(stats.GetProperty("disk_free_bytes").GetInt64() > 0);
        Assert.True(stats.GetProperty("disk_total_bytes").GetInt64() >= stats.GetProperty("disk_free_bytes").GetInt64());
        Assert.True(stats.GetProperty("commit_log_max_offset").GetInt64() > 0);
        Assert.True(stats.GetProperty("in_msgs_last_minute").GetInt64() >= 6);
        Assert.True(stats.GetProperty("out_msgs_last_minute").GetInt64() >= 6);
        Assert.Equal(stats.GetProperty("in_msgs_last_minute").GetInt64() / 60.0, stats.GetProperty("in_msgs_per_s").GetDouble(), 6);

        // group show: the member with its subscriptions, and every queue of both topics (AdminQuiet never committed).
        var group = (await node.RocketAsync("group", "show", "--group", "AdminGroup")).Exits(ExitCodes.Ok).Json();
        var member = Assert.Single(group.GetProperty("members").EnumerateArray());
        Assert.Equal(consumer.MemberId, member.GetProperty("client_id").GetString());
        Assert.Contains("127.0.0.1", member.GetProperty("address").GetString());
        Assert.Equal("CLUSTERING", member.GetProperty("consume_model").GetString());
        var subscriptions = member.GetProperty("subscriptions").EnumerateArray()
            .ToDictionary(s => s.GetProperty("topic").GetString()!, s => s.GetProperty("expression").GetString());
        Assert.Equal("TagA || TagB", subscriptions["AdminBusy"]);
        Assert.Equal("*", subscriptions["AdminQuiet"]);
        var queues = group.GetProperty("queues").EnumerateArray()
            .ToDictionary(q => $"{q.GetProperty("topic").GetString()}#{q.GetProperty("queue_id").GetInt32()}");
        foreach (var key in new[] { "AdminBusy#0", "AdminBusy#1", "AdminQuiet#0", "AdminQuiet#1" }) Assert.Contains(key, queues.Keys);
        foreach (var busy in new[] { queues["AdminBusy#0"], queues["AdminBusy#1"] })
        {
            Assert.Equal(busy.GetProperty("broker_offset").GetInt64(), busy.GetProperty("consumer_offset").GetInt64());
            Assert.Equal(0, busy.GetProperty("lag").GetInt64());
            Assert.Equal(consumer.MemberId, busy.GetProperty("owner").GetString());
            Assert.Equal(JsonValueKind.String, busy.GetProperty("last_pull_time").ValueKind);
        }
        Assert.Equal(6, queues["AdminBusy#0"].GetProperty("broker_offset").GetInt64() + queues["AdminBusy#1"].GetProperty("broker_offset").GetInt64());
        Assert.Equal(JsonValueKind.String, queues.Values.First(q => q.GetProperty("broker_offset").GetInt64() > 0 && q.GetProperty("topic").GetString() == "AdminBusy")
            .GetProperty("last_consume_time").ValueKind);

        // A broadcasting group keeps its offsets on the client: the broker has none, and still lists every queue.
        int broadcastReceived = 0;
        using var offsetFiles = new TempDirectory("admin-offsets"); // a broadcasting consumer's offsets live in a local file
        var broadcast = client.CreatePushConsumer(new PushConsumerOptions("AdminBroadcast")
            {
                MessageModel = MessageModel.Broadcasting, ConsumeFrom = ConsumeFrom.First, LocalOffsetStoreDir = offsetFiles.Path,
            })
            .Subscribe("AdminBusy", "*")
            .RegisterHandler(batch =>
            {
                Interlocked.Add(ref broadcastReceived, batch.Count);
                return ConsumeResult.Success;
            });
        await broadcast.StartAsync();
        await MultiProcess.AwaitAsync(() => Task.FromResult(Volatile.Read(ref broadcastReceived) >= 6), "6 messages broadcast", Patience);
        var broadcastGroup = (await node.RocketAsync("group", "show", "--group", "AdminBroadcast")).Exits(ExitCodes.Ok).Json();
        Assert.Equal("BROADCASTING", Assert.Single(broadcastGroup.GetProperty("members").EnumerateArray()).GetProperty("consume_model").GetString());
        var uncommitted = broadcastGroup.GetProperty("queues").EnumerateArray().ToArray();
        Assert.Equal(["AdminBusy#0", "AdminBusy#1"], uncommitted.Select(q => $"{q.GetProperty("topic").GetString()}#{q.GetProperty("queue_id").GetInt32()}"));
        Assert.All(uncommitted, q =>
        {
            Assert.Equal(-1, q.GetProperty("consumer_offset").GetInt64());
            Assert.Equal(q.GetProperty("broker_offset").GetInt64(), q.GetProperty("lag").GetInt64()); // from the queue's first message
            Assert.Equal(JsonValueKind.Null, q.GetProperty("last_consume_time").ValueKind);
            Assert.Equal(broadcast.MemberId, q.GetProperty("owner").GetString());
        });

        // progress lists the never-committed queues too (it used to hide them).
        var progress = (await node.RocketAsync("progress", "--group", "AdminBroadcast")).Exits(ExitCodes.Ok).Json();
        var rows = progress.GetProperty("queues").EnumerateArray().ToArray();
        Assert.Equal(2, rows.Length);
        Assert.All(rows, q => Assert.Equal(-1, q.GetProperty("consumer_offset").GetInt64()));
        Assert.Equal(6, progress.GetProperty("total_lag").GetInt64());

        await broadcast.StopAsync();
        await consumer.StopAsync();
        Assert.Contains("no live member", (await node.RocketAsync("group", "show", "--group", "AdminNobody")).Exits(ExitCodes.Failed).JsonError());
    }
}
