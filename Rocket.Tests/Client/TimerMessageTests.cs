using Rocket.Client;
using Rocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Client;

/// <summary>
/// Timer messages from the client: <see cref="Message.DeliverAt"/> / <see cref="Message.DeliverAfter"/> become
/// TIMER_DELIVER_MS; bad delivery times fail at the call site with an error naming the problem, nothing sent.
/// </summary>
public sealed class TimerMessageTests(ITestOutputHelper output) : FakeClusterTestBase(output)
{
    private static Message Timed(TimeSpan? after = null, DateTimeOffset? at = null) =>
        new("TopicT", "x"u8.ToArray()) { DeliverAfter = after, DeliverAt = at };

    [Fact]
    public async Task A_delivery_time_is_sent_as_TIMER_DELIVER_MS()
    {
        SetRoute("TopicT", 1, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var producer = client.CreateProducer();
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await producer.SendAsync(Timed(after: TimeSpan.FromSeconds(5)));
        long after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(after + 3_600_000);
        await producer.SendAsync(Timed(at: at));

        var sent = (await StateOf(BrokerA)).ProduceRequests.SelectMany(r => r.Messages).ToArray();
        long deliverMs = long.Parse(MessageProperties.Get(sent[0].Properties, "TIMER_DELIVER_MS")!);
        Assert.InRange(deliverMs, before + 5000, after + 5000);
        Assert.Equal((after + 3_600_000).ToString(), MessageProperties.Get(sent[1].Properties, "TIMER_DELIVER_MS"));
    }

    [Theory]
    [InlineData("both", "sets both DeliverAt and DeliverAfter")]
    [InlineData("negative", "DeliverAfter -00:00:01 of the message for topic 'TopicT' is negative")]
    [InlineData("too-far", "beyond timer-max-delay-sec = 259200")]
    [InlineData("at-too-far", "beyond timer-max-delay-sec = 259200")]
    [InlineData("raw", "property 'TIMER_DELAY_MS' is reserved by the system; use the Message members (Tags, Keys, DelayLevel, DeliverAt, DeliverAfter)")]
    public async Task A_bad_delivery_time_is_refused_before_anything_is_sent(string kind, string expected)
    {
        SetRoute("TopicT", 1, "broker-a");
        await using var client = RocketClient.Create(Settings());
        var message = kind switch
        {
            "both" => Timed(TimeSpan.FromSeconds(1), DateTimeOffset.UtcNow.AddSeconds(1)),
            "negative" => Timed(after: TimeSpan.FromSeconds(-1)),
            "too-far" => Timed(after: TimeSpan.FromDays(3) + TimeSpan.FromSeconds(10)),
            "at-too-far" => Timed(at: DateTimeOffset.UtcNow.AddDays(4)),
            _ => new Message("TopicT", "x"u8.ToArray()) { Properties = { ["TIMER_DELAY_MS"] = "5" } },
        };
        var error = await Assert.ThrowsAsync<RocketClientException>(() => client.CreateProducer().SendAsync(message));
        Assert.Contains(expected, error.Message);
        Assert.Empty((await StateOf(BrokerA)).ProduceRequests);
    }
}
