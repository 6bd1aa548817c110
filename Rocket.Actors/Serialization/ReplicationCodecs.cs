using Rocket.Protocol;

namespace Rocket.Serialization;

/// <summary><see cref="ReplicaChunk"/>: session id, start offset, master max offset, then the commit-log bytes as they are.</summary>
internal sealed class ReplicaChunkCodec : IWireCodec<ReplicaChunk>
{
    public static void Write<TSink>(ref TSink sink, ReplicaChunk message) where TSink : IWireSink, allows ref struct
    {
        sink.VarLong(message.SessionId);
        sink.VarLong(message.StartOffset);
        sink.VarLong(message.MasterMaxOffset);
        sink.Bytes(message.Bytes);
    }

    public static ReplicaChunk Read(ref WireReader reader) => new(
        SessionId: reader.VarLong("session id"),
        StartOffset: reader.VarLong("start offset"),
        MasterMaxOffset: reader.VarLong("master max offset"),
        Bytes: reader.Bytes("bytes")!);
}

/// <summary><see cref="ReplicaAck"/>: session id, broker id, max offset.</summary>
internal sealed class ReplicaAckCodec : IWireCodec<ReplicaAck>
{
    public static void Write<TSink>(ref TSink sink, ReplicaAck message) where TSink : IWireSink, allows ref struct
    {
        sink.VarLong(message.SessionId);
        sink.VarLong(message.BrokerId);
        sink.VarLong(message.MaxOffset);
    }

    public static ReplicaAck Read(ref WireReader reader) => new(
        SessionId: reader.VarLong("session id"),
        BrokerId: reader.VarLong("broker id"),
        MaxOffset: reader.VarLong("max offset"));
}
