using System.Runtime.CompilerServices;
using Rocket.Protocol;
using Rocket.Protocol.Filtering;

namespace Rocket.Serialization;

/// <summary>
/// <see cref="PullRequest"/>: request id, group, topic, queue id, offset, max count, filter expression, suspend millis,
/// filter type.
/// </summary>
internal sealed class PullRequestCodec : IWireCodec<PullRequest>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write<TSink>(ref TSink sink, PullRequest message) where TSink : IWireSink, allows ref struct
    {
        sink.VarLong(message.RequestId);
        sink.String(message.Group);
        sink.String(message.Topic);
        sink.VarLong(message.QueueId);
        sink.VarLong(message.Offset);
        sink.VarLong(message.MaxCount);
        sink.String(message.FilterExpression);
        sink.VarLong(message.SuspendMillis);
        sink.VarLong((int)message.FilterType);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PullRequest Read(ref WireReader reader) => new(
        RequestId: reader.VarLong("request id"),
        Group: reader.Name("group")!,
        Topic: reader.Name("topic")!,
        QueueId: reader.VarInt("queue id"),
        Offset: reader.VarLong("offset"),
        MaxCount: reader.VarInt("max count"),
        FilterExpression: reader.Name("filter expression"),
        SuspendMillis: reader.VarLong("suspend millis"),
        FilterType: (FilterType)reader.VarInt("filter type"));
}

/// <summary>
/// <see cref="PullResponse"/>: request id, status, topic, queue id, next/min/max offset, message count, the messages,
/// error. The topic and queue id are written once for every message. Per message, numbers that move little from one
/// message to the next are written as differences (most take one or two bytes): the queue offset after the previous
/// one's successor, the physical offset and store timestamp after the previous one's, the born timestamp against
/// the message's own store timestamp; then reconsume times, flag, properties, body. The first message's "previous"
/// queue offset is -1 and its physical offset and timestamp are relative to 0. Last the suggested broker id, plus one
/// (0: no suggestion), so the common answer without one costs a single byte.
/// </summary>
internal sealed class PullResponseCodec : IWireCodec<PullResponse>
{
    public static void Write<TSink>(ref TSink sink, PullResponse message) where TSink : IWireSink, allows ref struct
    {
        var messages = message.Messages;
        WriteHead(ref sink, message, messages?.Length);
        var deltas = MessageDeltas.Start;
        if (messages is not null)
            for (int i = 0; i < messages.Length; i++)
            {
                var m = messages[i] ?? throw WireErrors.NullItem(nameof(PullResponse), nameof(PullResponse.Messages), i);
                WriteMessageNumbers(ref sink, ref deltas, m.QueueOffset, m.PhysicalOffset, m.StoreTimestamp, m.BornTimestamp, m.ReconsumeTimes, m.Flag);
                sink.String(m.Properties);
                sink.Bytes(m.Body);
            }
        WriteTail(ref sink, message);
    }

    /// <summary>
    /// A response whose messages another writer already encoded (<see cref="WriteMessageNumbers"/>, then the
    /// properties and body): the same bytes as <see cref="Write{TSink}"/> gives for those messages.
    /// </summary>
    public static void WriteEncoded<TSink>(ref TSink sink, PullResponse head, int count, ReadOnlySpan<byte> encodedMessages)
        where TSink : IWireSink, allows ref struct
    {
        WriteHead(ref sink, head, count);
        sink.Raw(encodedMessages);
        WriteTail(ref sink, head);
    }

    /// <summary>Where the differences of the next message start from (see the type's summary).</summary>
    public struct MessageDeltas
    {
        public static MessageDeltas Start => new() { QueueOffset = -1 };

        public long QueueOffset, PhysicalOffset, StoreTimestamp;
    }

    /// <summary>One message's numbers, as differences from the previous message; its properties and body follow.</summary>
    public static void WriteMessageNumbers<TSink>(ref TSink sink, ref MessageDeltas previous, long queueOffset, long physicalOffset,
        long storeTimestamp, long bornTimestamp, int reconsumeTimes, int flag) where TSink : IWireSink, allows ref struct
    {
        sink.VarLong(queueOffset - (previous.QueueOffset + 1));
        sink.VarLong(physicalOffset - previous.PhysicalOffset);
        sink.VarLong(storeTimestamp - previous.StoreTimestamp);
        sink.VarLong(bornTimestamp - storeTimestamp);
        sink.VarLong(reconsumeTimes);
        sink.VarLong(flag);
        previous = new MessageDeltas { QueueOffset = queueOffset, PhysicalOffset = physicalOffset, StoreTimestamp = storeTimestamp };
    }

    private static void WriteHead<TSink>(ref TSink sink, PullResponse message, int? count) where TSink : IWireSink, allows ref struct
    {
        sink.VarLong(message.RequestId);
        sink.VarLong((int)message.Status);
        sink.String(message.Topic);
        sink.VarLong(message.QueueId);
        sink.VarLong(message.NextOffset);
        sink.VarLong(message.MinOffset);
        sink.VarLong(message.MaxOffset);
        sink.Count(count);
    }

    private static void WriteTail<TSink>(ref TSink sink, PullResponse message) where TSink : IWireSink, allows ref struct
    {
        sink.String(message.Error);
        if (message.SuggestBrokerId is < 0 or long.MaxValue)
            throw new ArgumentException($"a pull response's suggested broker id must be in [0, {long.MaxValue - 1}], not {message.SuggestBrokerId}");
        sink.VarLong(message.SuggestBrokerId is { } suggest ? suggest + 1 : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PullResponse Read(ref WireReader reader)
    {
        long requestId = reader.VarLong("request id");
        var status = (PullStatus)reader.VarInt("status");
        string topic = reader.Name("topic")!;
        int queueId = reader.VarInt("queue id");
        long next = reader.VarLong("next offset"), min = reader.VarLong("min offset"), max = reader.VarLong("max offset");
        int count = reader.Count("message count");
        PulledMessage[]? messages = count < 0 ? null : new PulledMessage[count];
        long queueOffset = -1, physicalOffset = 0, storeTimestamp = 0;
        for (int i = 0; i < count; i++)
        {
            queueOffset += 1 + reader.VarLong("queue offset");
            physicalOffset += reader.VarLong("physical offset");
            storeTimestamp += reader.VarLong("store timestamp");
            long bornTimestamp = storeTimestamp + reader.VarLong("born timestamp");
            messages![i] = new PulledMessage(
                QueueOffset: queueOffset,
                PhysicalOffset: physicalOffset,
                BornTimestamp: bornTimestamp,
                StoreTimestamp: storeTimestamp,
                ReconsumeTimes: reader.VarInt("reconsume times"),
                Flag: reader.VarInt("flag"),
                Properties: reader.String("properties"),
                Body: reader.Bytes("body")!);
        }
        string? error = reader.String("error");
        long suggest = reader.VarLong("suggested broker id");
        return new PullResponse(requestId, status, topic, queueId, next, min, max, messages!, error, suggest == 0 ? null : suggest - 1);
    }
}
