using Rocket.Client;
using Xunit;

namespace Rocket.Tests.Client.Orderly;

/// <summary>RocketMQ's SelectMessageQueueByHash: stable across processes, the same queue a Java producer picks.</summary>
public class MessageQueueSelectorsTests
{
    private static readonly MessageQueue[] Queues = Enumerable.Range(0, 8)
        .Select(i => new MessageQueue("Orders", i < 4 ? "broker-a" : "broker-b", i % 4)).ToArray();

    private static MessageQueue Pick(object? key) => MessageQueueSelectors.ByHash(Queues, new Message("Orders", [1]), key);

    [Theory]
    // Java's "k0".hashCode() is 3365, "k15".hashCode() 104399; the queue is abs(hash % 8).
    [InlineData("", 0)]
    [InlineData("a", 97 % 8)]
    [InlineData("k0", 3365 % 8)]
    [InlineData("k15", 104399 % 8)]
    public void Strings_hash_as_java_string_hashCode(string key, int expected) => Assert.Equal(Queues[expected], Pick(key));

    [Fact]
    public void A_negative_hash_takes_the_absolute_remainder()
    {
        // "polygenelubricants".hashCode() == int.MinValue in Java; its remainder by 8 is 0.
        Assert.Equal(int.MinValue, MessageQueueSelectors.StableHash("polygenelubricants"));
        Assert.Equal(Queues[0], Pick("polygenelubricants"));
        Assert.Equal(Queues[3], Pick(-3));
        Assert.Equal(0, MessageQueueSelectors.StableHash(-1L)); // Java's Long.hashCode folds the halves: -1 ^ (-1 >>> 32) = 0
        Assert.Equal(1, MessageQueueSelectors.StableHash(1L << 32));
    }

    [Fact]
    public void Every_key_always_maps_to_one_queue_and_keys_spread_over_all_queues()
    {
        var picks = Enumerable.Range(0, 16).Select(i => Pick($"k{i}")).ToArray();
        Assert.Equal(picks, Enumerable.Range(0, 16).Select(i => Pick($"k{i}")));
        Assert.Equal(8, picks.Distinct().Count());
    }

    [Fact]
    public void Keys_without_a_stable_hash_and_empty_queue_lists_are_refused()
    {
        Assert.Contains("got null", Assert.Throws<RocketClientException>(() => Pick(null)).Message);
        Assert.Contains("Guid", Assert.Throws<RocketClientException>(() => Pick(Guid.NewGuid())).Message);
        Assert.Contains("no writable queue", Assert.Throws<RocketClientException>(() =>
            MessageQueueSelectors.ByHash([], new Message("Orders", [1]), "k1")).Message);
    }
}
