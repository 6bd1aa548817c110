namespace Rocket.Client.Consuming;

internal sealed record StartConsumer(TaskCompletionSource Reply);

internal sealed record StopConsumer(TaskCompletionSource Reply);

/// <summary>
/// Consumer → puller, when the consumer stops: hand nothing new to the handler, take back every handler call (those
/// returned, then those still running as they return) and report the consumed offset, then answer
/// <see cref="PullerFlushed"/>. The stop commits after it (or after its wait runs out), so a message whose handler
/// finished is not delivered again to the group's next owner of the queue.
/// </summary>
internal sealed class FlushHandled
{
    public static readonly FlushHandled Instance = new();
    private FlushHandled() { }
}

/// <summary>Puller → consumer: no handler call is out any more; any consumed-offset report it made came before.</summary>
internal sealed class PullerFlushed
{
    public static readonly PullerFlushed Instance = new();
    private PullerFlushed() { }
}

/// <summary>Lite pull: the next buffered messages, waiting up to <paramref name="Timeout"/> for some to arrive.</summary>
internal sealed record PollMessages(TimeSpan Timeout, TaskCompletionSource<IReadOnlyList<ReceivedMessage>> Reply);

/// <summary>Lite pull: commit the offsets of everything polled so far.</summary>
internal sealed record CommitPolled(TaskCompletionSource Reply);

/// <summary>Pull API: continue <paramref name="Queue"/> (held by this consumer) at <paramref name="Offset"/>.</summary>
internal sealed record SeekQueue(MessageQueue Queue, long Offset, TaskCompletionSource Reply);

/// <summary>Puller → consumer: the queue's start offset is known; pulling begins there.</summary>
internal sealed record QueueStarted(MessageQueue Queue, long Offset);

/// <summary>Puller → consumer: finding the queue's start offset failed (the puller retries); kept for the start timeout's error.</summary>
internal sealed record QueueStartFailed(MessageQueue Queue, Exception Error);

/// <summary>Puller → consumer (push): the consumed offset of a queue moved (lowest unacknowledged or next to pull).</summary>
internal sealed record ConsumedOffsetMoved(MessageQueue Queue, long Offset);

/// <summary>Puller → consumer (lite pull): new messages for the poll buffer, and the queue's next pull offset.</summary>
internal sealed record MessagesPulled(MessageQueue Queue, IReadOnlyList<ReceivedMessage> Messages, long NextOffset);

/// <summary>Consumer → puller (lite pull): the application polled this many of the puller's messages.</summary>
internal sealed record MessagesTaken(int Count);

/// <summary>The outcome of one rebalance computation, made off the actor thread.</summary>
/// <param name="TopicsWithoutQueues">Subscribed topics that had no readable queue yet (not created, or not yet gossiped); null: none.</param>
/// <param name="Readable">Every readable queue of the subscribed topics (assigned to us or not).</param>
/// <param name="BrokerPaths">Broker name → its live master's path (groups without a master are absent).</param>
/// <param name="Groups">Broker name → every live broker of the group, with roles and epochs (where queues are read).</param>
internal sealed record RebalancePlanned(IReadOnlyList<MessageQueue> Assigned, IReadOnlyDictionary<string, string> BrokerPaths,
    IReadOnlyList<string>? TopicsWithoutQueues = null, IReadOnlyList<MessageQueue>? Readable = null,
    IReadOnlyDictionary<string, Protocol.BrokerAddress[]>? Groups = null);

/// <summary>Puller → consumer (clustering push): a send-back put a message into the group's retry topic.</summary>
internal sealed record RetryTopicUsed;

internal sealed record RebalanceFailed(Exception Error);

internal static class ConsumerTicks
{
    public sealed record Heartbeat;
    public sealed record Rebalance;
    /// <summary>A rebalance that fetches the routes afresh: while a queue is read from a slave or its broker died.</summary>
    public sealed record RecheckRoutes;
    public sealed record CommitOffsets;
    public sealed record PollExpired(long PollId);
    public sealed record StartTimedOut;
    /// <summary>A stopping consumer waited long enough for its pullers' <see cref="PullerFlushed"/>.</summary>
    public sealed record StopFlushTimedOut;
}

/// <summary>Consumer → puller: read the queue from <paramref name="Broker"/> from now on, continuing at the same position.</summary>
internal sealed record ReadFrom(Protocol.BrokerAddress Broker);

/// <summary>Puller → consumer: a pull response suggested reading the queue from <paramref name="BrokerId"/> (0: the master).</summary>
internal sealed record PullSuggested(MessageQueue Queue, long BrokerId);

/// <summary>Puller → consumer: the broker the queue is read from died; look at the routes again soon.</summary>
internal sealed record ReadBrokerLost(MessageQueue Queue, string Path);
