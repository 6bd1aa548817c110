using Akka.Actor;

namespace Rocket.Protocol;

/// <summary>Where a reset puts a group's offsets: the first message stored at or after a time, the oldest, or the newest.</summary>
public enum OffsetResetKind { Timestamp, First, Last }

/// <param name="Timestamp">Unix ms; used with <see cref="OffsetResetKind.Timestamp"/> only.</param>
public sealed record OffsetResetTarget(OffsetResetKind Kind, long Timestamp = 0)
{
    public static OffsetResetTarget ToFirst { get; } = new(OffsetResetKind.First);
    public static OffsetResetTarget ToLast { get; } = new(OffsetResetKind.Last);
    public static OffsetResetTarget ToTime(DateTimeOffset time) => new(OffsetResetKind.Timestamp, time.ToUnixTimeMilliseconds());

    public override string ToString() => Kind switch
    {
        OffsetResetKind.Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(Timestamp).ToString("O"),
        OffsetResetKind.First => "first",
        _ => "last",
    };
}

/// <summary>
/// Admin → broker (RocketMQ's resetOffsetByTime): set the group's offset of every queue of the topic on this broker,
/// and push the new offsets to the group's live consumers. Answered with <see cref="GroupOffsetsReset"/>. A group this
/// broker does not know (no stored offset, no live consumer) is refused unless <see cref="KnownElsewhere"/>: the admin
/// found it on another broker of the topic, so its queues here get offsets too.
/// </summary>
public sealed record ResetGroupOffsets(string Group, string Topic, OffsetResetTarget Target, bool KnownElsewhere = false) : IRocketMessage;

/// <param name="OldOffset">The stored offset before the reset; -1 when the group had none for the queue.</param>
public sealed record QueueOffsetChange(int QueueId, long OldOffset, long NewOffset);

/// <summary>
/// One broker's answer to <see cref="ResetGroupOffsets"/>. <see cref="Error"/> set: nothing was changed (unknown topic
/// or group on this broker; <see cref="GroupUnknown"/> says which). <see cref="NotifiedClients"/>: the live members the
/// new offsets were pushed to.
/// </summary>
public sealed record GroupOffsetsReset(string BrokerName, string Group, string Topic, QueueOffsetChange[] Queues,
    string[] NotifiedClients, string? Error, bool GroupUnknown = false) : IRocketMessage;

/// <summary>
/// Broker → each live consumer of the group (RocketMQ's RESET_CONSUMER_CLIENT_OFFSET): continue these queues of
/// <see cref="BrokerName"/> at these offsets, dropping what was pulled or buffered before. <see cref="Epoch"/> names
/// this reset; the consumer answers <see cref="ConsumerOffsetsAdopted"/> with it.
/// </summary>
public sealed record ResetConsumerOffsets(string BrokerName, string Group, string Topic, long Epoch, QueueOffset[] Offsets) : IRocketMessage;

/// <summary>
/// Consumer → broker: the reset <see cref="Epoch"/> is adopted; commits sent after this come from the new position.
/// Until it arrives the broker ignores the consumer's commits for the topic (they were sent before it knew).
/// </summary>
public sealed record ConsumerOffsetsAdopted(string ClientId, string Group, string Topic, long Epoch) : IRocketMessage;

/// <summary>Broker-internal: the live members of a group with their consumer actors; answered with <see cref="LiveGroupConsumers"/>.</summary>
public sealed record GetLiveGroupConsumers(string Group) : IRocketMessage;

public sealed record LiveGroupConsumer(string ClientId, IActorRef Consumer, MessageModel Model);

public sealed record LiveGroupConsumers(string Group, LiveGroupConsumer[] Consumers) : IRocketMessage;
