using System.Buffers;
using Rocket.Protocol;

namespace Rocket.DataChannel;

/// <summary>
/// A pull's answer on its way out over the data channel with its messages already in the wire format
/// (<see cref="Serialization.PullResponseCodec.WriteEncoded{TSink}"/>): the queue partition copies each record's parts
/// from the mapped log straight into one pooled buffer, so no message object, string or body array is made for it.
/// <see cref="Head"/> is the response without its messages. The write loop gives the buffer back once it has written
/// the frame (<see cref="Release"/>); an answer that is never written (its connection closed) leaves it to the GC.
/// </summary>
internal sealed class EncodedPullResponse(PullResponse head, int count, byte[] buffer, int length)
{
    private byte[]? _buffer = buffer;

    public PullResponse Head { get; } = head;

    /// <summary>How many messages <see cref="Messages"/> holds.</summary>
    public int Count { get; } = count;

    public ReadOnlySpan<byte> Messages =>
        (_buffer ?? throw new ObjectDisposedException(nameof(EncodedPullResponse), "its buffer went back to the pool after it was written")).AsSpan(0, length);

    /// <summary>Returns the buffer to the pool; once only, after the frame was written.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } rented) ArrayPool<byte>.Shared.Return(rented);
    }
}
