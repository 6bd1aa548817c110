using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Serialization;
using Rocket.Protocol;
using Rocket.Serialization;

namespace Rocket.DataChannel;

/// <summary>
/// The data channel's bytes: produce requests and results, pulls (<see cref="PullFrame"/>) and their answers.
/// A client opens with <see cref="Hello"/>; after that both sides send frames:
/// a 4-byte little-endian length (of what follows), a kind byte, then the message in Rocket's wire format
/// (the same codecs as <see cref="RocketWireSerializer"/>, so the layout is defined once).
/// </summary>
internal static class DataFrames
{
    /// <summary>"RKDC" and the channel's version: a new layout gets a new version, and a mismatch closes the connection.</summary>
    public static ReadOnlySpan<byte> Hello => "RKDC\u0001"u8;

    public const int LengthSize = 4;

    /// <summary>Length prefix and kind byte.</summary>
    public const int HeaderSize = LengthSize + 1;

    /// <summary>
    /// Largest frame either side accepts: a 4 MiB message (rocket.store.max-message-size) with its properties and a
    /// coalesced batch fit with room to spare; anything larger is a broken or hostile peer, and the connection closes.
    /// </summary>
    public const int MaxFrameBytes = 16 << 20;

    public const byte ProduceRequestKind = 1;
    public const byte ProduceResponseKind = 2;
    public const byte PullKind = 3;
    public const byte PullResponseKind = 4;

    /// <summary>The whole frame's size (header included) of a message the channel carries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int SizeOf(object message)
    {
        var sizer = new WireSizer();
        switch (message)
        {
            case ProduceRequest m: ProduceRequestCodec.Write(ref sizer, m); break;
            case ProduceResponse m: ProduceResponseCodec.Write(ref sizer, m); break;
            case PullFrame m: PullFrameCodec.Write(ref sizer, m); break;
            case PullResponse m: PullResponseCodec.Write(ref sizer, m); break;
            case EncodedPullResponse m: PullResponseCodec.WriteEncoded(ref sizer, m.Head, m.Count, m.Messages); break;
            default: throw Unsupported(message);
        }
        long size = HeaderSize + sizer.Size;
        if (size > MaxFrameBytes)
            throw new SerializationException($"a {message.GetType().Name} of {size} bytes exceeds the data channel's {MaxFrameBytes} byte frame limit");
        return (int)size;
    }

    /// <summary>Writes the frame of <paramref name="message"/> into exactly <paramref name="frame"/> (sized by <see cref="SizeOf"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(object message, Span<byte> frame)
    {
        BinaryPrimitives.WriteInt32LittleEndian(frame, frame.Length - LengthSize);
        var writer = new WireWriter(frame[HeaderSize..]);
        switch (message)
        {
            case ProduceRequest m: frame[LengthSize] = ProduceRequestKind; ProduceRequestCodec.Write(ref writer, m); break;
            case ProduceResponse m: frame[LengthSize] = ProduceResponseKind; ProduceResponseCodec.Write(ref writer, m); break;
            case PullFrame m: frame[LengthSize] = PullKind; PullFrameCodec.Write(ref writer, m); break;
            case PullResponse m: frame[LengthSize] = PullResponseKind; PullResponseCodec.Write(ref writer, m); break;
            case EncodedPullResponse m: frame[LengthSize] = PullResponseKind; PullResponseCodec.WriteEncoded(ref writer, m.Head, m.Count, m.Messages); break;
            default: throw Unsupported(message);
        }
        if (writer.Position != frame.Length - HeaderSize)
            throw new SerializationException($"a {message.GetType().Name} changed while it was being written to the data channel");
    }

    /// <summary>Decodes one frame's body (kind byte and message); throws <see cref="SerializationException"/> naming what is wrong.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static object Read(ReadOnlySpan<byte> kindAndMessage, NameCache names)
    {
        byte kind = kindAndMessage[0];
        var body = kindAndMessage[1..];
        return kind switch
        {
            ProduceRequestKind => Read<ProduceRequestCodec, ProduceRequest>(body, RocketWireSerializer.ProduceRequestManifest, names),
            ProduceResponseKind => Read<ProduceResponseCodec, ProduceResponse>(body, RocketWireSerializer.ProduceResponseManifest, names),
            PullKind => Read<PullFrameCodec, PullFrame>(body, "data channel pull", names),
            PullResponseKind => Read<PullResponseCodec, PullResponse>(body, RocketWireSerializer.PullResponseManifest, names),
            _ => throw new SerializationException($"unknown data channel frame kind {kind}"),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Read<TCodec, T>(ReadOnlySpan<byte> body, string what, NameCache names) where TCodec : IWireCodec<T>
    {
        var reader = new WireReader(body, what, names);
        var message = TCodec.Read(ref reader);
        reader.End();
        return message;
    }

    /// <summary>A pull and the path of the client's puller actor (the broker's group view names the queue's owner by it).</summary>
    private sealed class PullFrameCodec : IWireCodec<PullFrame>
    {
        public static void Write<TSink>(ref TSink sink, PullFrame message) where TSink : IWireSink, allows ref struct
        {
            sink.String(message.PullerPath);
            PullRequestCodec.Write(ref sink, message.Request);
        }

        public static PullFrame Read(ref WireReader reader) => new(reader.String("puller path")!, PullRequestCodec.Read(ref reader));
    }

    private static SerializationException Unsupported(object message) =>
        new($"the data channel does not carry {message.GetType().FullName}");
}
