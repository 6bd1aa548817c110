using Rocket.Client;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>Features Rocket does not have yet are refused with an error naming them, never silently dropped.</summary>
public sealed class RefusalTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    [Fact]
    public async Task A_send_with_a_delay_level_carries_it_to_the_broker_as_DELAY_and_level_0_sends_none()
    {
        SetRoute("TopicR", 1, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var producer = client.CreateProducer();

        await producer.SendAsync(new Message("TopicR", "later"u8.ToArray()) { DelayLevel = 3 });
        await producer.SendAsync(new Message("TopicR", "now"u8.ToArray()) { DelayLevel = 0 });

        var sent = (await StateOf(BrokerA)).ProduceRequests.SelectMany(r => r.Messages).ToArray();
        Assert.Equal(2, sent.Length);
        Assert.Equal("3", MessageProperties.Get(sent[0].Properties, MessageProperties.DelayLevel));
        Assert.Null(MessageProperties.Get(sent[1].Properties, MessageProperties.DelayLevel));
    }

    [Fact]
    public async Task A_negative_delay_level_or_DELAY_as_a_user_property_is_refused_before_anything_is_sent()
    {
        SetRoute("TopicR", 1, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var producer = client.CreateProducer();
        var negative = await Assert.ThrowsAsync<RocketClientException>(() => producer.SendAsync(new Message("TopicR", "x"u8.ToArray()) { DelayLevel = -1 }));
        Assert.Contains("delay level -1 is negative", negative.Message);
        var property = new Message("TopicR", "x"u8.ToArray());
        property.Properties["DELAY"] = "2";
        var reserved = await Assert.ThrowsAsync<RocketClientException>(() => producer.SendAsync(property));
        Assert.Contains("property 'DELAY' is reserved", reserved.Message);
        Assert.Empty((await StateOf(BrokerA)).ProduceRequests);
    }

    [Theory]
    [InlineData(SystemTopics.Schedule)]
    [InlineData(SystemTopics.Timer)]
    [InlineData(SystemTopics.TransactionHalf)]
    [InlineData(SystemTopics.TransactionOp)]
    public async Task Sends_to_and_subscriptions_on_internal_topics_are_refused_naming_the_topic(string topic)
    {
        SetRoute(topic, 1, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var send = await Assert.ThrowsAsync<RocketClientException>(() => client.CreateProducer().SendAsync(new Message(topic, "x"u8.ToArray())));
        Assert.Equal(InternalTopicRefusals.Send(topic), send.Message);
        Assert.Contains($"topic '{topic}' is internal to the broker", send.Message);
        var push = Assert.Throws<RocketClientException>(() => client.CreatePushConsumer(new PushConsumerOptions("GroupI")).Subscribe(topic, "*"));
        Assert.Equal(InternalTopicRefusals.Pull(topic), push.Message);
        Assert.Throws<RocketClientException>(() => client.CreatePullConsumer(new PullConsumerOptions("GroupI")).Subscribe(topic));
        Assert.Empty((await StateOf(BrokerA)).ProduceRequests);
    }

    [Theory]
    [InlineData("__STARTDELIVERTIME", "1700000000000", "is not supported (message property __STARTDELIVERTIME=1700000000000); set TIMER_DELIVER_MS")]
    public async Task A_property_asking_for_a_missing_feature_is_refused(string name, string value, string expected)
    {
        SetRoute("TopicR", 1, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var message = new Message("TopicR", "x"u8.ToArray());
        message.Properties[name] = value;

        var error = await Assert.ThrowsAsync<RocketClientException>(() => client.CreateProducer().SendAsync(message));
        Assert.Equal(RocketErrorCode.NotSupported, error.Code);
        Assert.Contains(expected, error.Message);
        Assert.Empty((await StateOf(BrokerA)).ProduceRequests);
    }

    [Theory]
    [InlineData("TRAN_MSG")]
    [InlineData("PGROUP")]
    [InlineData("TRANSACTION_CHECK_TIMES")]
    public async Task A_plain_producer_cannot_send_a_half_message(string name)
    {
        SetRoute("TopicR", 1, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var message = new Message("TopicR", "x"u8.ToArray());
        message.Properties[name] = "true";

        var error = await Assert.ThrowsAsync<RocketClientException>(() => client.CreateProducer().SendAsync(message));
        Assert.Contains($"property '{name}' is set by a transaction producer", error.Message);
        Assert.Empty((await StateOf(BrokerA)).ProduceRequests);
    }

    [Fact]
    public async Task An_invalid_SQL92_subscription_is_refused_at_subscribe_with_its_column_and_reason()
    {
        await using var client = RocketClient.Create(Settings());
        var push = client.CreatePushConsumer(new PushConsumerOptions("GroupSql"));
        push.Subscribe("TopicR", MessageSelector.BySql("a > 5 AND TAGS IN ('TagA')")); // a valid one is taken
        var error = Assert.Throws<RocketClientException>(() => push.Subscribe("TopicR", MessageSelector.BySql("a > 5 AND (b = 1")));
        Assert.Equal("expected ')' to close the '(' of column 11, found the end of the expression at column 17 of SQL92 expression 'a > 5 AND (b = 1'",
            error.Message);
        Assert.IsType<Rocket.Protocol.Filtering.FilterSyntaxException>(error.InnerException);
        var pull = client.CreatePullConsumer(new PullConsumerOptions("GroupSql"));
        Assert.Contains("at column 3", Assert.Throws<RocketClientException>(() => pull.Subscribe("TopicR", MessageSelector.BySql("a LIKE 'x'"))).Message);
    }

    [Theory]
    [InlineData("a > 5", "'>'")]
    [InlineData("color = 'red'", "'='")]
    [InlineData("(TagA)", "'('")]
    [InlineData("a < 3", "'<'")]
    [InlineData("\"TagA\"", "'\"'")]
    [InlineData("TagA AND TagB", "'AND'")]
    [InlineData("TagA or TagB", "'or'")]
    [InlineData("a IS NOT NULL", "'IS'")]
    public async Task A_tag_expression_that_looks_like_SQL92_is_refused_saying_so(string expression, string named)
    {
        await using var client = RocketClient.Create(Settings());
        var push = client.CreatePushConsumer(new PushConsumerOptions("GroupSql"));
        var error = Assert.Throws<RocketClientException>(() => push.Subscribe("TopicR", expression));
        Assert.Contains("looks like SQL92", error.Message);
        Assert.Contains("MessageSelector.BySql", error.Message);
        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("TagA")]
    [InlineData("TagA || TagB")]
    [InlineData("Order-Created||Order_Paid")]
    public async Task Tag_expressions_are_still_accepted(string expression)
    {
        await using var client = RocketClient.Create(Settings());
        client.CreatePushConsumer(new PushConsumerOptions("GroupTag")).Subscribe("TopicR", expression);
        client.CreatePushConsumer(new PushConsumerOptions("GroupTag2")).Subscribe("TopicR", MessageSelector.ByTag(expression));
        Assert.Null(TagExpression.Sql92Hint(expression));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("TAGS\u0001a\u0002KEYS\u0001k\u0002UNIQ_KEY\u0001u\u0002", null)]
    [InlineData("DELAY\u00010\u0002", null)]
    [InlineData("TAGS\u0001a\u0002DELAY\u00013\u0002", null)] // delay levels are served (DelayLevelRewrite)
    [InlineData("TRAN_MSG\u0001true\u0002", null)] // supported: HalfMessage judges half messages
    [InlineData("X\u0001y\u0002TIMER_DELAY_SEC\u00015", null)] // timer messages are supported (Broker/Timer)
    [InlineData("__STARTDELIVERTIME\u00015\u0002", "__STARTDELIVERTIME (RocketMQ 4's commercial delivery time) is not supported (message property __STARTDELIVERTIME=5); set TIMER_DELIVER_MS (epoch ms) instead")]
    [InlineData("DELAYED\u00013\u0002TRAN\u0001x\u0002", null)]
    public void The_broker_side_scan_finds_properties_asking_for_missing_features(string? encoded, string? expected) =>
        Assert.Equal(expected, UnsupportedFeatures.RefusalIn(encoded));
}
