using Rocket.Broker.Schedule;
using Rocket.Protocol;
using Rocket.Store.Format;
using Xunit;

namespace Rocket.Tests.Broker.Schedule;

public sealed class DelayLevelRewriteTests
{
    private static readonly DelayLevelTable Table = DelayLevelTable.Parse("1s 5s 10s");

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("TAGS\u0001a\u0002UNIQ_KEY\u0001u\u0002")]
    [InlineData("DELAY\u00010\u0002")]
    [InlineData("XDELAY\u00013\u0002DELAYED\u00012\u0002")]
    public void A_message_without_a_delay_level_is_stored_unchanged(string? properties)
    {
        var message = new MessageToStore("T", 2, new byte[] { 1 }, properties);
        Assert.Null(DelayLevelRewrite.Refusal(properties, Table));
        Assert.Equal(message, DelayLevelRewrite.Park(message));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_delayed_message_is_parked_in_the_levels_queue_keeping_its_destination_and_properties(int level)
    {
        string properties = $"TAGS\u0001TagA\u0002DELAY\u0001{level}\u0002UNIQ_KEY\u0001id-1\u0002user\u0001v\u0002";
        Assert.Null(DelayLevelRewrite.Refusal(properties, Table));
        var parked = DelayLevelRewrite.Park(new MessageToStore("Orders", 5, new byte[] { 1, 2 }, properties, Flag: 7, BornTimestamp: 42, ReconsumeTimes: 2));

        Assert.Equal(SystemTopics.Schedule, parked.Topic);
        Assert.Equal(level - 1, parked.QueueId);
        Assert.Equal(7, parked.Flag);
        Assert.Equal(42, parked.BornTimestamp);
        Assert.Equal(2, parked.ReconsumeTimes);
        var decoded = MessageProperties.Decode(parked.Properties);
        Assert.Equal("Orders", decoded[MessageProperties.RealTopic]);
        Assert.Equal("5", decoded[MessageProperties.RealQueueId]);
        Assert.Equal(level.ToString(), decoded[MessageProperties.DelayLevel]);
        Assert.Equal("TagA", decoded[MessageProperties.Tags]);
        Assert.Equal("id-1", decoded[MessageProperties.UniqueKey]);
        Assert.Equal("v", decoded["user"]);
    }

    [Fact]
    public void A_REAL_TOPIC_the_sender_set_is_replaced_not_duplicated()
    {
        var parked = DelayLevelRewrite.Park(new MessageToStore("Orders", 1, new byte[] { 1 }, "REAL_TOPIC\u0001Other\u0002DELAY\u00012\u0002REAL_QID\u00019"));
        Assert.Single(parked.Properties!.Split('\u0002'), p => p.StartsWith("REAL_TOPIC\u0001"));
        Assert.Equal("Orders", MessageProperties.Get(parked.Properties, MessageProperties.RealTopic));
        Assert.Equal("1", MessageProperties.Get(parked.Properties, MessageProperties.RealQueueId));
    }

    [Theory]
    [InlineData("DELAY\u00014\u0002", "delay level 4 is above the broker's message-delay-level table of 3 levels (1..3: 1s 5s 10s)")]
    [InlineData("DELAY\u0001-1\u0002", "message property DELAY='-1' is not a delay level (0 = none, 1..3)")]
    [InlineData("DELAY\u0001two", "message property DELAY='two' is not a delay level (0 = none, 1..3)")]
    [InlineData("TRAN_MSG\u0001true\u0002DELAY\u00012\u0002", "a transactional (half) message cannot have a delay level (message property DELAY=2)")]
    public void A_delay_level_that_cannot_be_honoured_is_refused_naming_why(string properties, string expected) =>
        Assert.Equal(expected, DelayLevelRewrite.Refusal(properties, Table));
}
