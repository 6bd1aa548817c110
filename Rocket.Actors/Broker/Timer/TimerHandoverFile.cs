using System.Buffers.Binary;
using System.IO.Hashing;
using Rocket.Protocol;
using Rocket.Store.Recovery;

namespace Rocket.Broker.Timer;

/// <summary>
/// <c>{store}/timer/handover</c>: the last <see cref="ReplicaTimerProgress"/> a slave copied from its master. A timer
/// service that starts and finds it (a promoted slave) drops its own timer files, which are older than the master's
/// progress, and rebuilds its wheel from the timer queue, skipping what the master had delivered; it deletes the file
/// once its own checkpoint holds that state. Written atomically with a CRC; a damaged file is reported and ignored.
/// </summary>
public static class TimerHandoverFile
{
    private const int Magic = 0x4F485254; // "TRHO"
    private const int Size = 4 + 8 + 8 + 8 + 4;

    public static string PathIn(string timerDirectory) => Path.Combine(timerDirectory, "handover");

    /// <summary>Null when there is none, or (with <paramref name="problem"/> saying why) when it cannot be used.</summary>
    public static ReplicaTimerProgress? Read(string path, out string? problem)
    {
        problem = null;
        if (!File.Exists(path)) return null;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { problem = $"cannot read {path}: {e.Message}"; return null; }
        var span = bytes.AsSpan();
        if (span.Length != Size || BinaryPrimitives.ReadInt32LittleEndian(span) != Magic
            || Crc32.HashToUInt32(span[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(span[^4..]))
        {
            problem = $"{path} is damaged ({span.Length} bytes)";
            return null;
        }
        return new ReplicaTimerProgress(BinaryPrimitives.ReadInt64LittleEndian(span[4..]), BinaryPrimitives.ReadInt64LittleEndian(span[12..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[20..]));
    }

    public static void Write(string path, ReplicaTimerProgress progress)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Span<byte> span = stackalloc byte[Size];
        BinaryPrimitives.WriteInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(span[4..], progress.EnqueueOffset);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], progress.DeliveredBeforeMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[20..], progress.LateFromLogOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(span[^4..], Crc32.HashToUInt32(span[..^4]));
        AtomicFile.Write(path, span);
    }
}
