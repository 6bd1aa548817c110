namespace Rocket.Store.Journal;

/// <summary>SYNC_FLUSH: reply <paramref name="Reply"/> to <paramref name="ReplyTo"/> once the log is flushed to <paramref name="EndOffset"/>.</summary>
internal sealed record FlushRequest(long EndOffset, Akka.Actor.IActorRef ReplyTo, BatchAppended Reply, DateTimeOffset Deadline);

/// <summary>Tells the dispatch actor that the log (or its flushed end) moved.</summary>
internal sealed class DispatchWake
{
    public static readonly DispatchWake Instance = new();
    private DispatchWake() { }
}

/// <summary>Published by the dispatch actor to its listener: queues that received messages.</summary>
public sealed record MessagesArrived(IReadOnlyList<QueueArrival> Queues);

/// <summary>Asks the store supervisor for its journal actor.</summary>
public sealed class GetJournal
{
    public static readonly GetJournal Instance = new();
    private GetJournal() { }
}

/// <summary>Asks the dispatch actor to run retention now (tests, admin); answered with a RetentionReport.</summary>
public sealed class RunRetentionNow
{
    public static readonly RunRetentionNow Instance = new();
    private RunRetentionNow() { }
}

/// <summary>
/// Asks the dispatch actor (through the store actor) to answer <see cref="DispatchedPast"/> once the projections are
/// built past <paramref name="Offset"/>: e.g. a topic tombstone at that offset has deleted the topic's queues.
/// </summary>
public sealed record AwaitDispatch(long Offset);

public sealed record DispatchedPast(long Offset);
