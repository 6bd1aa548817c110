using System.Net;
using System.Text;
using Rocket.Broker.Retry;
using Rocket.Protocol;
using Rocket.Store.Format;
using Xunit;

namespace Rocket.Tests.Broker.Retry;

/// <summary>The send-back rule on its own: where a message goes, at which level, and what it keeps.</summary>
public class SendBackTests
{
    private static readonly IPEndPoint Born = new(IPAddress.Parse("10.0.0.7"), 5555);

    private static StoredMessage Stored(string topic = "Orders", int reconsumeTimes = 0, params (string Name, string Value)[] extra)
    {
        var properties = new List<KeyValuePair<string, string>>
        {
            new(MessageProperties.Tags, "TagA"), new(MessageProperties.Keys, "order-1"), new(MessageProperties.UniqueKey, "ID-1"), new("user", "value"),
        };
        properties.AddRange(extra.Select(e => new KeyValuePair<string, string>(e.Name, e.Value)));
        return new StoredMessage(topic, 3, Flag: 7, QueueOffset: 12, PhysicalOffset: 4096, SysFlag: 0, BornTimestamp: 1_700_000_000_123,
            StoreTimestamp: 1_700_000_000_500, Born, reconsumeTimes, PreparedTransactionOffset: 0, MessageProperties.Encode(properties),
            Encoding.UTF8.GetBytes("body"), StoreSize: 200);
    }

    private static ConsumerSendBack Request(int delayLevel = 0, int max = 16, string? origin = "ID-1") =>
        new(1, "G1", 4096, origin, delayLevel, max);

    private static Dictionary<string, string> Properties(SendBackTarget target) => MessageProperties.Decode(target.Record.Properties);

    [Theory]
    [InlineData(0, 3)]
    [InlineData(1, 4)]
    [InlineData(5, 8)]
    [InlineData(15, 18)]
    [InlineData(16, 18)] // beyond the table: clamped to its last level (RocketMQ keeps retrying every 2 h)
    [InlineData(40, 18)]
    public void A_retry_goes_to_the_groups_retry_topic_at_level_three_plus_reconsume_times(int reconsumeTimes, int level)
    {
        var target = SendBack.Target(Stored(reconsumeTimes: reconsumeTimes), Request(max: 100), delayLevels: 18);
        Assert.False(target.DeadLetter);
        Assert.Equal("%RETRY%G1", target.Record.Topic);
        Assert.Equal(0, target.Record.QueueId);
        Assert.Equal(level.ToString(), Properties(target)[MessageProperties.DelayLevel]);
        Assert.Equal(reconsumeTimes + 1, target.Record.ReconsumeTimes);
    }

    [Fact]
    public void The_requested_level_wins_over_the_computed_one_and_is_clamped_to_the_table()
    {
        Assert.Equal("2", Properties(SendBack.Target(Stored(reconsumeTimes: 4), Request(delayLevel: 2), 18))[MessageProperties.DelayLevel]);
        Assert.Equal("5", Properties(SendBack.Target(Stored(), Request(delayLevel: 9), delayLevels: 5))[MessageProperties.DelayLevel]);
    }

    [Fact]
    public void The_message_keeps_its_body_properties_id_born_time_and_gets_its_original_topic_and_id()
    {
        var target = SendBack.Target(Stored(), Request(), 18);
        var p = Properties(target);
        Assert.Equal("body", Encoding.UTF8.GetString(target.Record.Body.Span));
        Assert.Equal(("TagA", "order-1", "ID-1", "value"), (p[MessageProperties.Tags], p[MessageProperties.Keys], p[MessageProperties.UniqueKey], p["user"]));
        Assert.Equal("Orders", p[MessageProperties.RetryTopic]);
        Assert.Equal("ID-1", p[MessageProperties.OriginMessageId]);
        Assert.Equal(1_700_000_000_123, target.Record.BornTimestamp);
        Assert.Equal(Born, target.Record.BornHost);
        Assert.Equal(7, target.Record.Flag);
    }

    [Fact]
    public void A_message_sent_back_again_from_its_retry_topic_keeps_its_first_topic_and_origin_id()
    {
        var again = Stored("%RETRY%G1", reconsumeTimes: 1, (MessageProperties.RetryTopic, "Orders"), (MessageProperties.OriginMessageId, "FIRST"),
            (MessageProperties.RealTopic, "%RETRY%G1"), (MessageProperties.RealQueueId, "0"), (MessageProperties.DelayLevel, "3"));
        var target = SendBack.Target(again, Request(origin: "ID-1"), 18);
        var p = Properties(target);
        Assert.Equal("Orders", p[MessageProperties.RetryTopic]);
        Assert.Equal("FIRST", p[MessageProperties.OriginMessageId]);
        Assert.Equal("4", p[MessageProperties.DelayLevel]);
        Assert.False(p.ContainsKey(MessageProperties.RealTopic)); // the new copy is parked afresh by the delay schedule
        Assert.False(p.ContainsKey(MessageProperties.RealQueueId));
        Assert.Equal(2, target.Record.ReconsumeTimes);
    }

    [Theory]
    [InlineData(2, 2, 0)]   // reconsumed as often as allowed
    [InlineData(5, 2, 0)]
    [InlineData(0, 0, 0)]   // max 0: the first failure is final
    [InlineData(0, 16, -1)] // the consumer asks for the dead-letter queue
    public void At_max_reconsume_times_or_a_negative_level_the_message_becomes_a_dead_letter_without_delay(int reconsumeTimes, int max, int level)
    {
        var target = SendBack.Target(Stored(reconsumeTimes: reconsumeTimes, extra: (MessageProperties.DelayLevel, "4")), Request(level, max), 18);
        Assert.True(target.DeadLetter);
        Assert.Equal("%DLQ%G1", target.Record.Topic);
        Assert.Equal(0, target.Record.QueueId);
        Assert.False(Properties(target).ContainsKey(MessageProperties.DelayLevel));
        Assert.Equal("Orders", Properties(target)[MessageProperties.RetryTopic]);
        Assert.Equal(reconsumeTimes + 1, target.Record.ReconsumeTimes);
    }

    [Fact]
    public void A_send_back_naming_another_message_or_an_internal_topic_is_refused()
    {
        Assert.Null(SendBack.Mismatch(Stored(), Request(origin: "ID-1")));
        Assert.Null(SendBack.Mismatch(Stored(), Request(origin: null)));
        Assert.Null(SendBack.Mismatch(Stored(extra: (MessageProperties.OriginMessageId, "FIRST")), Request(origin: "FIRST")));
        Assert.Contains("has id 'ID-1', not 'OTHER'", SendBack.Mismatch(Stored(), Request(origin: "OTHER")));
        Assert.Contains("internal topic 'SCHEDULE_TOPIC_XXXX'", SendBack.Mismatch(Stored(SystemTopics.Schedule), Request()));
    }

    [Theory]
    [InlineData("2", "2", "%DLQ%G1")]
    [InlineData("3", "2", "%DLQ%G1")]
    [InlineData("1", "2", null)]
    [InlineData(null, null, null)]  // RECONSUME_TIME 0 against the default 16
    [InlineData("16", null, "%DLQ%G1")]
    public void A_producer_writing_to_a_retry_topic_passes_the_same_max_reconsume_check(string? reconsume, string? max, string? redirectedTo)
    {
        var properties = new List<KeyValuePair<string, string>> { new(MessageProperties.DelayLevel, "3") };
        if (reconsume is not null) properties.Add(new(MessageProperties.ReconsumeTime, reconsume));
        if (max is not null) properties.Add(new(MessageProperties.MaxReconsumeTimes, max));
        var message = new WireMessage("%RETRY%G1", 0, [1], MessageProperties.Encode(properties), 0, 1);
        var instead = DirectRetrySend.DeadLetterInstead(message, out var error);
        Assert.Null(error);
        Assert.Equal(redirectedTo, instead?.Topic);
        if (instead is not null) Assert.Null(MessageProperties.Get(instead.Properties, MessageProperties.DelayLevel));
        Assert.Equal(reconsume is null ? 0 : int.Parse(reconsume), DirectRetrySend.ReconsumeTimes(message));
    }

    [Fact]
    public void A_retry_count_that_is_not_a_number_is_named()
    {
        var message = new WireMessage("%RETRY%G1", 0, [1], MessageProperties.Encode([new(MessageProperties.ReconsumeTime, "x")]), 0, 1);
        Assert.Null(DirectRetrySend.DeadLetterInstead(message, out var error));
        Assert.Equal("message property RECONSUME_TIME='x' is not a non-negative whole number", error);
        Assert.Equal(0, DirectRetrySend.ReconsumeTimes(new WireMessage("Orders", 0, [1], MessageProperties.Encode([new(MessageProperties.ReconsumeTime, "4")]), 0, 1)));
    }
}
