using Rocket.Store.Format;
using Rocket.Store.Log;

namespace Rocket.Broker;

/// <summary>
/// A broker actor → the produce actor: write records the broker built itself (a consumer's send-back), through the
/// same path as producers' messages (topic checks, delay parking, journal), keeping every record field (reconsume
/// times, born host, sys flag). The topics must exist. Answered with <see cref="InternalAppended"/> once the journal
/// (and its flush policy) has answered.
/// </summary>
public sealed record AppendInternal(long RequestId, MessageToStore[] Messages);

/// <summary>Per-record results of an <see cref="AppendInternal"/>, in its order.</summary>
public sealed record InternalAppended(long RequestId, AppendResult[] Results);
