using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace Rocket.Store.Index;

/// <summary>
/// The 32-bit hash of an index key: XxHash32 over the UTF-8 bytes of topic + "#" + key, so the same key in two
/// topics lands in different chains. Computed in a stack (or pooled) buffer: no allocation per message.
/// </summary>
internal static class KeyHash
{
    private const int StackLimit = 512;
    private const byte Separator = (byte)'#';

    public static uint Of(ReadOnlySpan<byte> topicUtf8, ReadOnlySpan<byte> keyUtf8)
    {
        int length = topicUtf8.Length + 1 + keyUtf8.Length;
        byte[]? rented = null;
        Span<byte> buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            topicUtf8.CopyTo(buffer);
            buffer[topicUtf8.Length] = Separator;
            keyUtf8.CopyTo(buffer[(topicUtf8.Length + 1)..]);
            return XxHash32.HashToUInt32(buffer[..length]);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static uint Of(string topic, string key)
    {
        int length = Encoding.UTF8.GetByteCount(topic) + 1 + Encoding.UTF8.GetByteCount(key);
        byte[]? rented = null;
        Span<byte> buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            int topicLength = Encoding.UTF8.GetBytes(topic, buffer);
            buffer[topicLength] = Separator;
            int keyLength = Encoding.UTF8.GetBytes(key, buffer[(topicLength + 1)..]);
            return XxHash32.HashToUInt32(buffer[..(topicLength + 1 + keyLength)]);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
