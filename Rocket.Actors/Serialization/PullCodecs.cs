using Rocket.Protocol;

namespace Rocket.Serialization;

/// <summary>
/// <see cref="PullRequest"/>: request id, group, topic, queue id, offset, max count, tag expression, suspend millis.
/// </summary>
internal sealed class PullRequestCodec : IWireCodec<PullRequest>
{
    public static void Write<TSink>(ref TSink sink, PullRequest message) where TSink : IWireSink, allows ref struct
    {
        sink.VarLong(message.RequestId);
        sink.String(message.Group);
        sink.String(message.Topic);
        sink.VarLong(message.QueueId);
        sink.VarLong(message.Offset);
        sink.VarLong(message.MaxCount);
        sink.String(message.TagExpression);
        sink.VarLong(message.SuspendMillis);
    }

    public static PullRequest Read(ref WireReader reader) => new(
        RequestId: reader.VarLong("request id"),
        Group: reader.Name("group")!,
        Topic: reader.Name("topic")!,
        QueueId: reader.VarInt("queue id"),
        Offset: reader.VarLong("offset"),
        MaxCount: reader.VarInt("max count"),
        TagExpression: reader.Name("tag expression"),
        SuspendMillis: reader.VarLong("suspend millis"));
}

/// <summary>
/// <see cref="PullResponse"/>: request id, status, next/min/max offset, message count, then per message
/// topic, queue id, queue offset, physical offset, born and store timestamps, reconsume times, flag, properties, body.
/// </summary>
internal sealed class PullResponseCodec : IWireCodec<PullResponse>
{
    public static void Write<TSink>(ref TSink sink, PullResponse message) where TSink : IWireSink, allows ref struct
    {
        sink.VarLong(message.RequestId);
        sink.VarLong((int)message.Status);
        sink.VarLong(message.NextOffset);
        sink.VarLong(message.MinOffset);
        sink.VarLong(message.MaxOffset);
        var messages = message.Messages;
        sink.Count(messages?.Length);
        if (messages is null) return;
        for (int i = 0; i < messages.Length; i++)
        {
            var m = messages[i] ?? throw WireErrors.NullItem(nameof(PullResponse), nameof(PullResponse.Messages), i);
            sink.String(m.Topic);
            sink.VarLong(m.QueueId);
            sink.VarLong(m.QueueOffset);
            sink.VarLong(m.PhysicalOffset);
            sink.VarLong(m.BornTimestamp);
            sink.VarLong(m.StoreTimestamp);
            sink.VarLong(m.ReconsumeTimes);
            sink.VarLong(m.Flag);
            sink.String(m.Properties);
            sink.Bytes(m.Body);
        }
    }

    public static PullResponse Read(ref WireReader reader)
    {
        long requestId = reader.VarLong("request id");
        var status = (PullStatus)reader.VarInt("status");
        long next = reader.VarLong("next offset"), min = reader.VarLong("min offset"), max = reader.VarLong("max offset");
        int count = reader.Count("message count");
        PulledMessage[]? messages = count < 0 ? null : new PulledMessage[count];
        for (int i = 0; i < count; i++)
            messages![i] = new PulledMessage(
                Topic: reader.Name("topic")!,
                QueueId: reader.VarInt("queue id"),
                QueueOffset: reader.VarLong("queue offset"),
                PhysicalOffset: reader.VarLong("physical offset"),
                BornTimestamp: reader.VarLong("born timestamp"),
                StoreTimestamp: reader.VarLong("store timestamp"),
                ReconsumeTimes: reader.VarInt("reconsume times"),
                Flag: reader.VarInt("flag"),
                Properties: reader.String("properties"),
                Body: reader.Bytes("body")!);
        return new PullResponse(requestId, status, next, min, max, messages!);
    }
}
