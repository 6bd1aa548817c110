using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Rocket.Client.Producing;

/// <summary>
/// Unique message ids (the UNIQ_KEY property): 16 bytes as 32 hex digits, built from the process id, a random
/// per-process salt (two processes with the same pid on different hosts), the creation second and a counter.
/// </summary>
internal static class MessageIdGenerator
{
    private static readonly int Salt = Random.Shared.Next();
    private static long _counter = Random.Shared.Next();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string Next()
    {
        Span<byte> id = stackalloc byte[16];
        BinaryPrimitives.WriteUInt16BigEndian(id, (ushort)Environment.ProcessId);
        BinaryPrimitives.WriteInt32BigEndian(id[2..], Salt);
        BinaryPrimitives.WriteUInt32BigEndian(id[6..], (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        // 6 counter bytes: unique within a process for 2^48 sends.
        long n = Interlocked.Increment(ref _counter);
        BinaryPrimitives.WriteUInt16BigEndian(id[10..], (ushort)(n >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(id[12..], (uint)n);
        return Convert.ToHexString(id);
    }
}
