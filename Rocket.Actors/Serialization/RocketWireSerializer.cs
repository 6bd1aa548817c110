using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Rocket.Protocol;

namespace Rocket.Serialization;

/// <summary>
/// Compact binary serializer for the hot-path <see cref="IRocketWire"/> messages (produce, pull and replication), bound in
/// reference.conf. Each message becomes exactly one byte[] of the exact size: a sizing pass, then a writing pass.
/// Layout: ZigZag LEB128 varints for numbers and enums; strings as UTF-8 with a varint (byte count + 1) prefix,
/// 0 meaning null; byte arrays and item arrays likewise. Every other message goes through Hyperion.
/// </summary>
public sealed class RocketWireSerializer : SerializerWithStringManifest
{
    /// <summary>Fixed forever: it travels in every remote envelope. Akka reserves 0–40 for itself.</summary>
    public const int WireIdentifier = 7411;

    // Short manifests: they travel with every message. A changed layout needs a new manifest.
    public const string ProduceRequestManifest = "PQ";
    public const string ProduceResponseManifest = "PR";
    public const string PullRequestManifest = "LQ";
    public const string PullResponseManifest = "LR";
    public const string ReplicaChunkManifest = "HC";
    public const string ReplicaAckManifest = "HA";

    /// <summary>Topic, group and tag strings repeat in nearly every message; decode each once per node.</summary>
    private readonly NameCache _names = new();

    public RocketWireSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => WireIdentifier;

    public override string Manifest(object o) => o switch
    {
        ProduceRequest => ProduceRequestManifest,
        ProduceResponse => ProduceResponseManifest,
        PullRequest => PullRequestManifest,
        PullResponse => PullResponseManifest,
        ReplicaChunk => ReplicaChunkManifest,
        ReplicaAck => ReplicaAckManifest,
        _ => throw WireErrors.Unsupported(o),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        ProduceRequest m => ToBinary<ProduceRequestCodec, ProduceRequest>(m, ProduceRequestManifest),
        ProduceResponse m => ToBinary<ProduceResponseCodec, ProduceResponse>(m, ProduceResponseManifest),
        PullRequest m => ToBinary<PullRequestCodec, PullRequest>(m, PullRequestManifest),
        PullResponse m => ToBinary<PullResponseCodec, PullResponse>(m, PullResponseManifest),
        ReplicaChunk m => ToBinary<ReplicaChunkCodec, ReplicaChunk>(m, ReplicaChunkManifest),
        ReplicaAck m => ToBinary<ReplicaAckCodec, ReplicaAck>(m, ReplicaAckManifest),
        _ => throw WireErrors.Unsupported(obj),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (bytes is null) throw new SerializationException($"Rocket wire '{manifest}' payload is null");
        return manifest switch
        {
            ProduceRequestManifest => FromBinary<ProduceRequestCodec, ProduceRequest>(bytes, manifest),
            ProduceResponseManifest => FromBinary<ProduceResponseCodec, ProduceResponse>(bytes, manifest),
            PullRequestManifest => FromBinary<PullRequestCodec, PullRequest>(bytes, manifest),
            PullResponseManifest => FromBinary<PullResponseCodec, PullResponse>(bytes, manifest),
            ReplicaChunkManifest => FromBinary<ReplicaChunkCodec, ReplicaChunk>(bytes, manifest),
            ReplicaAckManifest => FromBinary<ReplicaAckCodec, ReplicaAck>(bytes, manifest),
            // Akka treats a SerializationException on receipt as transient: the message is dropped, the link stays.
            _ => throw new SerializationException(
                $"RocketWireSerializer (id {WireIdentifier}) does not know manifest '{manifest}'; " +
                "is the sender running a different Rocket version?"),
        };
    }

    private static byte[] ToBinary<TCodec, T>(T message, string manifest) where TCodec : IWireCodec<T>
    {
        var sizer = new WireSizer();
        TCodec.Write(ref sizer, message);
        if (sizer.Size > Array.MaxLength) throw WireErrors.TooLarge(manifest, sizer.Size);

        var bytes = new byte[sizer.Size];
        var writer = new WireWriter(bytes);
        try
        {
            TCodec.Write(ref writer, message);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException)
        {
            throw Mutated(manifest, bytes.Length, e); // as a SerializationException, so the association survives
        }
        if (writer.Position != bytes.Length) throw Mutated(manifest, bytes.Length, null);
        return bytes;
    }

    /// <summary>The passes disagree only if another thread changed the message (e.g. swapped an array item) meanwhile.</summary>
    private static SerializationException Mutated(string manifest, int sized, Exception? cause) =>
        new($"Rocket wire '{manifest}' message changed while it was being serialized ({sized} bytes sized)", cause);

    private T FromBinary<TCodec, T>(byte[] bytes, string manifest) where TCodec : IWireCodec<T>
    {
        var reader = new WireReader(bytes, manifest, _names);
        var message = TCodec.Read(ref reader);
        reader.End();
        return message;
    }
}
