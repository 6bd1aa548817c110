using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>
/// Built-in queue selectors for <see cref="Producer.SendAsync(Message, Func{IReadOnlyList{MessageQueue}, Message, object?, MessageQueue}, object?)"/>
/// (ordered messages: every message of one key goes to one queue, so consumers see them in send order).
/// </summary>
public static class MessageQueueSelectors
{
    /// <summary>
    /// RocketMQ's SelectMessageQueueByHash: queue <c>abs(hash(arg) % count)</c> of the topic's writable queues. The
    /// hash is Java's <c>hashCode</c> of the argument (a string's is computed from its UTF-16 code units, an int's is
    /// itself, a long's folds its halves), so it is the same in every process and picks the queue a RocketMQ Java
    /// producer would pick. Other argument types are refused: their .NET hash may differ per process.
    /// </summary>
    public static MessageQueue ByHash(IReadOnlyList<MessageQueue> queues, Message message, object? arg)
    {
        if (queues.Count == 0) throw new RocketClientException($"topic '{message.Topic}' has no writable queue to select from");
        int value = StableHash(arg) % queues.Count;
        return queues[value < 0 ? -value : value];
    }

    /// <summary>Java's hashCode of a string, int or long (stable across processes and runs).</summary>
    public static int StableHash(object? arg) => arg switch
    {
        string s => JavaStringHash(s),
        int i => i,
        long l => (int)(l ^ (long)((ulong)l >> 32)),
        null => throw new RocketClientException("the hash queue selector needs an argument (the order key); it got null"),
        _ => throw new RocketClientException(
            $"the hash queue selector takes a string, int or long order key, not {arg.GetType().Name} (its .NET hash is not stable across processes)"),
    };

    private static int JavaStringHash(string s)
    {
        int h = 0;
        foreach (char c in s) h = unchecked(31 * h + c);
        return h;
    }
}
