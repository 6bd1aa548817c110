using Akka.Actor;
using FsCheck;
using FsCheck.Fluent;
using Rocket.Protocol;
using Rocket.Serialization;
using Xunit;

namespace Rocket.Tests.Broker.Replication;

/// <summary>The replication chunk and ack go through the hand-written wire codec, bytes intact.</summary>
public sealed class ReplicationCodecTests : Akka.TestKit.Xunit2.TestKit
{
    public ReplicationCodecTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    private object RoundTrip(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<RocketWireSerializer>(serializer);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
    }

    [Fact]
    public void Chunks_and_acks_round_trip()
    {
        var body = Enumerable.Range(0, 1 << 20).Select(i => (byte)(i * 7)).ToArray();
        var chunk = Assert.IsType<ReplicaChunk>(RoundTrip(new ReplicaChunk(3, 1L << 40, (1L << 40) + body.Length, body)));
        Assert.Equal((3L, 1L << 40, (1L << 40) + body.Length), (chunk.SessionId, chunk.StartOffset, chunk.MasterMaxOffset));
        Assert.Equal(body, chunk.Bytes);

        var heartbeat = Assert.IsType<ReplicaChunk>(RoundTrip(new ReplicaChunk(1, 42, 42, [])));
        Assert.Empty(heartbeat.Bytes);

        Assert.Equal(new ReplicaAck(9, 2, 123_456_789_012), RoundTrip(new ReplicaAck(9, 2, 123_456_789_012)));
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Any_chunk_round_trips() =>
        Prop.ForAll(ArbMap.Default.ArbFor<long>(), ArbMap.Default.ArbFor<long>(), ArbMap.Default.ArbFor<byte[]>(), (offset, session, bytes) =>
        {
            bytes ??= [];
            var back = (ReplicaChunk)RoundTrip(new ReplicaChunk(session, offset, offset, bytes));
            return back.SessionId == session && back.StartOffset == offset && back.MasterMaxOffset == offset && back.Bytes.SequenceEqual(bytes);
        });

    [Fact]
    public void A_truncated_chunk_is_refused_not_misread()
    {
        var serializer = (RocketWireSerializer)Sys.Serialization.FindSerializerFor(new ReplicaChunk(1, 2, 3, [1, 2, 3]));
        var bytes = serializer.ToBinary(new ReplicaChunk(1, 2, 3, [1, 2, 3]));
        var error = Assert.ThrowsAny<System.Runtime.Serialization.SerializationException>(() =>
            serializer.FromBinary(bytes[..^1], RocketWireSerializer.ReplicaChunkManifest));
        Assert.Contains("bytes", error.Message);
    }
}
