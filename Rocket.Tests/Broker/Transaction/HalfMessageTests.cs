using System.Net;
using Rocket.Broker.Transaction;
using Rocket.Protocol;
using Rocket.Store.Format;
using Xunit;

namespace Rocket.Tests.Broker.Transaction;

public sealed class HalfMessageTests
{
    private static string Props(params (string Name, string Value)[] properties) =>
        MessageProperties.Encode(properties.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)));

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("TAGS\u0001a\u0002", false)]
    [InlineData("TRAN_MSG\u0001true\u0002", true)]
    [InlineData("TAGS\u0001a\u0002TRAN_MSG\u0001true\u0002PGROUP\u0001g\u0002", true)]
    [InlineData("XTRAN_MSG\u0001true\u0002", false)] // a longer name that ends like it
    [InlineData("XTRAN_MSG\u0001true\u0002TRAN_MSG\u0001true", true)]
    [InlineData("K\u0001TRAN_MSG\u0001\u0002", false)] // in a value, not a name
    public void IsHalf_finds_the_marker_only_as_a_whole_property_name(string? properties, bool expected) =>
        Assert.Equal(expected, HalfMessage.IsHalf(properties));

    [Fact]
    public void A_plain_message_is_not_rewritten()
    {
        var plain = new MessageToStore("T", 3, new byte[] { 1 }, Props(("TAGS", "a")));
        Assert.Equal(plain, HalfMessage.ParkIfHalf(plain));
    }

    [Fact]
    public void A_half_message_is_parked_in_the_half_topic_queue_0_keeping_its_destination_and_group()
    {
        var half = new MessageToStore("Orders", 5, new byte[] { 1, 2 }, Props(("TAGS", "a"), ("TRAN_MSG", "true"), ("PGROUP", "pg"), ("UNIQ_KEY", "u1")),
            Flag: 7, BornTimestamp: 42);
        var parked = HalfMessage.ParkIfHalf(half);

        Assert.Equal(SystemTopics.TransactionHalf, parked.Topic);
        Assert.Equal(0, parked.QueueId);
        Assert.Equal(0, parked.SysFlag); // not "prepared": the half topic's consume queue must index it
        Assert.Equal(7, parked.Flag);
        Assert.Equal(42, parked.BornTimestamp);
        var properties = MessageProperties.Decode(parked.Properties);
        Assert.Equal("Orders", properties[MessageProperties.RealTopic]);
        Assert.Equal("5", properties[MessageProperties.RealQueueId]);
        Assert.Equal("pg", properties[MessageProperties.ProducerGroup]);
        Assert.Equal("true", properties[MessageProperties.TransactionPrepared]);
        Assert.Equal("a", properties[MessageProperties.Tags]);
    }

    [Theory]
    [InlineData("TAGS\u0001a\u0002", null)]
    [InlineData("TRAN_MSG\u0001true\u0002PGROUP\u0001pg\u0002", null)]
    [InlineData("TRAN_MSG\u0001true\u0002", "needs its producer group in PGROUP")]
    [InlineData("TRAN_MSG\u0001true\u0002PGROUP\u0001bad group\u0002", "needs its producer group in PGROUP")]
    [InlineData("TRAN_MSG\u0001yes\u0002PGROUP\u0001pg\u0002", "TRAN_MSG=yes is illegal")]
    [InlineData("TRAN_MSG\u0001true\u0002PGROUP\u0001pg\u0002DELAY\u00013\u0002", "cannot be delayed (message property DELAY=3)")]
    [InlineData("TRAN_MSG\u0001true\u0002PGROUP\u0001pg\u0002DELAY\u00010\u0002", null)]
    [InlineData("TRAN_MSG\u0001true\u0002PGROUP\u0001pg\u0002TIMER_DELAY_MS\u00011000\u0002", "cannot be timed (message property TIMER_DELAY_MS=1000)")]
    public void The_broker_refuses_half_messages_it_could_not_check_or_that_ask_for_a_delay(string properties, string? expected)
    {
        var refusal = HalfMessage.Refusal(properties);
        if (expected is null) Assert.Null(refusal);
        else Assert.Contains(expected, refusal);
    }

    [Fact]
    public void A_committed_message_is_rebuilt_for_its_real_topic_without_the_parking_properties()
    {
        var host = new IPEndPoint(IPAddress.Loopback, 1234);
        var half = new StoredMessage(SystemTopics.TransactionHalf, 0, 9, 17, 4096, 0, 1000, 2000, host, 2, 0,
            Props(("TAGS", "a"), ("KEYS", "k1 k2"), ("UNIQ_KEY", "u1"), ("TRAN_MSG", "true"), ("PGROUP", "pg"), ("USER", "v"),
                ("REAL_TOPIC", "Orders"), ("REAL_QID", "5"), ("TRANSACTION_CHECK_TIMES", "3")),
            [1, 2, 3], 200);

        Assert.Equal(("Orders", 5), HalfMessage.Destination(half));
        var real = HalfMessage.Rebuild(half, "Orders", 5);

        Assert.Equal("Orders", real.Topic);
        Assert.Equal(5, real.QueueId);
        Assert.Equal(new byte[] { 1, 2, 3 }, real.Body.ToArray());
        Assert.Equal(SysFlags.TransactionCommit, real.SysFlag);
        Assert.Equal(9, real.Flag);
        Assert.Equal(1000, real.BornTimestamp);
        Assert.Equal(host, real.BornHost);
        Assert.Equal(2, real.ReconsumeTimes);
        Assert.Equal(4096, real.PreparedTransactionOffset);
        var properties = MessageProperties.Decode(real.Properties);
        Assert.Equal(new Dictionary<string, string> { ["TAGS"] = "a", ["KEYS"] = "k1 k2", ["UNIQ_KEY"] = "u1", ["PGROUP"] = "pg", ["USER"] = "v" }, properties);
    }

    [Fact]
    public void Op_records_round_trip_through_their_stored_form()
    {
        foreach (var kind in Enum.GetValues<OpKind>())
        {
            var op = new OpRecord(kind, 123456789);
            var stored = op.ToStore();
            Assert.Equal(SystemTopics.TransactionOp, stored.Topic);
            Assert.Equal("123456789", System.Text.Encoding.ASCII.GetString(stored.Body.Span)); // RocketMQ's body: the half offset
            var read = new StoredMessage(stored.Topic, 0, 0, 0, 0, 0, 0, 0, null, 0, 0, stored.Properties, stored.Body.ToArray(), 0);
            Assert.Equal(op, OpRecord.Parse(read, out var error));
            Assert.Null(error);
        }
        var bad = new StoredMessage(SystemTopics.TransactionOp, 0, 0, 0, 0, 0, 0, 0, null, 0, 0, "TAGS\u0001d\u0002", "x"u8.ToArray(), 0);
        Assert.Null(OpRecord.Parse(bad, out var why));
        Assert.Contains("not a half-message offset", why);
    }
}
