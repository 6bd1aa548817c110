using Rocket.Store.Format;
using Rocket.Store.Log;

namespace Rocket.Store;

/// <summary>Appends a batch; the journal answers the sender with one <see cref="BatchAppended"/>.</summary>
public sealed record AppendBatch(long BatchId, MessageToStore[] Messages);

/// <summary>Per-message results of one <see cref="AppendBatch"/>, in the batch's order.</summary>
public sealed record BatchAppended(long BatchId, AppendResult[] Results);

/// <summary>Asks the store supervisor for its journal actor.</summary>
public sealed class GetJournal
{
    public static readonly GetJournal Instance = new();
    private GetJournal() { }
}

/// <summary>Published by the projector to its listener: queues that received messages.</summary>
public sealed record MessagesArrived(IReadOnlyList<QueueArrival> Queues);

/// <summary>Asks the projector to run retention now (tests, admin); answered with a RetentionReport.</summary>
public sealed class RunRetentionNow
{
    public static readonly RunRetentionNow Instance = new();
    private RunRetentionNow() { }
}

/// <summary>
/// Asks the projector (through the store actor) to answer <see cref="ProjectedPast"/> once the projections are built
/// past <paramref name="Offset"/>: e.g. a topic tombstone at that offset has deleted the topic's consume queues.
/// </summary>
public sealed record AwaitProjection(long Offset);

public sealed record ProjectedPast(long Offset);
