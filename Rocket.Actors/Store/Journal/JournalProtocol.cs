using Rocket.Store.Format;
using Rocket.Store.Log;

namespace Rocket.Store.Journal;

/// <summary>Appends a batch; the journal answers the sender with one <see cref="BatchAppended"/>.</summary>
public sealed record AppendBatch(long BatchId, MessageToStore[] Messages);

/// <summary>Per-message results of one <see cref="AppendBatch"/>, in the batch's order.</summary>
public sealed record BatchAppended(long BatchId, AppendResult[] Results);
