using System.Runtime.CompilerServices;
using Rocket.Protocol;

namespace Rocket.Serialization;

/// <summary>
/// <see cref="ProduceRequest"/>: request id, message count, then per message
/// topic, queue id, body, properties, flag, born timestamp.
/// </summary>
internal sealed class ProduceRequestCodec : IWireCodec<ProduceRequest>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write<TSink>(ref TSink sink, ProduceRequest message) where TSink : IWireSink, allows ref struct
    {
        sink.VarLong(message.RequestId);
        var messages = message.Messages;
        sink.Count(messages?.Length);
        if (messages is null) return;
        for (int i = 0; i < messages.Length; i++)
        {
            var m = messages[i] ?? throw WireErrors.NullItem(nameof(ProduceRequest), nameof(ProduceRequest.Messages), i);
            sink.String(m.Topic);
            sink.VarLong(m.QueueId);
            sink.Bytes(m.Body);
            sink.String(m.Properties);
            sink.VarLong(m.Flag);
            sink.VarLong(m.BornTimestamp);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ProduceRequest Read(ref WireReader reader)
    {
        long requestId = reader.VarLong("request id");
        int count = reader.Count("message count");
        WireMessage[]? messages = count < 0 ? null : new WireMessage[count];
        for (int i = 0; i < count; i++)
            messages![i] = new WireMessage(
                Topic: reader.Name("topic")!,
                QueueId: reader.VarInt("queue id"),
                Body: reader.Bytes("body")!,
                Properties: reader.String("properties"),
                Flag: reader.VarInt("flag"),
                BornTimestamp: reader.VarLong("born timestamp"));
        return new ProduceRequest(requestId, messages!);
    }
}

/// <summary>
/// <see cref="ProduceResponse"/>: request id, result count, then per result
/// status, queue id, queue offset, physical offset, store timestamp, error.
/// </summary>
internal sealed class ProduceResponseCodec : IWireCodec<ProduceResponse>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write<TSink>(ref TSink sink, ProduceResponse message) where TSink : IWireSink, allows ref struct
    {
        sink.VarLong(message.RequestId);
        var results = message.Results;
        sink.Count(results?.Length);
        if (results is null) return;
        foreach (ref readonly var r in results.AsSpan())
        {
            sink.VarLong((int)r.Status);
            sink.VarLong(r.QueueId);
            sink.VarLong(r.QueueOffset);
            sink.VarLong(r.PhysicalOffset);
            sink.VarLong(r.StoreTimestamp);
            sink.String(r.Error);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ProduceResponse Read(ref WireReader reader)
    {
        long requestId = reader.VarLong("request id");
        int count = reader.Count("result count");
        ProduceResult[]? results = count < 0 ? null : new ProduceResult[count];
        for (int i = 0; i < count; i++)
            results![i] = new ProduceResult(
                Status: (ProduceStatus)reader.VarInt("status"),
                QueueId: reader.VarInt("queue id"),
                QueueOffset: reader.VarLong("queue offset"),
                PhysicalOffset: reader.VarLong("physical offset"),
                StoreTimestamp: reader.VarLong("store timestamp"),
                Error: reader.String("error"));
        return new ProduceResponse(requestId, results!);
    }
}
