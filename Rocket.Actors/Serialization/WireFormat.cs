using System.Numerics;
using System.Text;

namespace Rocket.Serialization;

/// <summary>Arithmetic shared by the sizer, writer and reader of the Rocket wire format.</summary>
internal static class WireFormat
{
    /// <summary>
    /// Encoding side: invalid UTF-16 (a lone surrogate) becomes U+FFFD, as the commit log stores it, rather than
    /// failing a send. The decoding side is strict (see <see cref="WireReader"/>).
    /// </summary>
    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Rejects invalid UTF-8 from the network instead of silently repairing it.</summary>
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A UTF-16 char never takes more than 3 UTF-8 bytes (a surrogate pair: 2 chars, 4 bytes).</summary>
    public const int MaxUtf8BytesPerChar = 3;

    public static int VarUIntSize(ulong value) => BitOperations.Log2(value | 1) / 7 + 1;

    public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    public static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    /// <summary>Length prefix of a nullable sequence: 0 means null, n + 1 means n items.</summary>
    public static ulong LengthPrefix(int? length) => length is { } n ? (ulong)n + 1 : 0;
}
