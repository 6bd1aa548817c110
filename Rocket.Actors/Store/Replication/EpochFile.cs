using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Rocket.Store.Replication;

/// <summary>
/// The store's epoch history on disk, <c>{store}/epochs</c> (RocketMQ 5's epoch checkpoint):
/// <code>
/// int32 magic "RKEP" | int32 version (1) | int32 count | count × (int64 epoch, int64 start offset) | uint32 CRC-32 of all before
/// </code>
/// little-endian. Replaced whole on every change: written to <c>epochs.tmp</c>, fsynced, renamed over the old file, and
/// the directory fsynced, so a crash leaves the old history or the new one. A damaged file stops the store's open
/// naming it: the history decides what a returning master truncates, so it is never silently reset.
/// </summary>
public static partial class EpochFile
{
    private const int Magic = 0x5045_4B52; // "RKEP"
    private const int Version = 1;
    private const int HeaderSize = 12;
    private const int EntrySize = 16;

    /// <summary>Reads the history; an absent file is an empty history (a store that never had an epoch).</summary>
    public static EpochEntry[] Read(string path)
    {
        File.Delete(path + ".tmp"); // a write a crash interrupted: the old file (if any) is still the truth
        if (!File.Exists(path)) return [];
        byte[] bytes = File.ReadAllBytes(path);
        string damaged = $"epoch file {path} is damaged";
        const string keep = "; it holds the broker group's epoch history (which decides what a returning master truncates), " +
                            "so the store does not start: restore it, or move it aside to start this store with no epoch history";
        if (bytes.Length < HeaderSize + 4)
            throw new StoreCorruptException($"{damaged}: {bytes.Length} bytes, shorter than the smallest valid file ({HeaderSize + 4}){keep}");
        if (BinaryPrimitives.ReadInt32LittleEndian(bytes) != Magic)
            throw new StoreCorruptException($"{damaged}: it does not start with the epoch file's magic \"RKEP\"{keep}");
        int version = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        if (version != Version)
            throw new StoreCorruptException($"{damaged}: version {version}, this build reads version {Version}{keep}");
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (count < 0 || (long)HeaderSize + (long)count * EntrySize + 4 != bytes.Length)
            throw new StoreCorruptException($"{damaged}: it says {count} entries, which does not match its {bytes.Length} bytes{keep}");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        if (Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)) != stored)
            throw new StoreCorruptException($"{damaged}: its CRC does not match its content{keep}");
        var entries = new EpochEntry[count];
        for (int i = 0; i < count; i++)
        {
            var at = bytes.AsSpan(HeaderSize + i * EntrySize);
            entries[i] = new EpochEntry(BinaryPrimitives.ReadInt64LittleEndian(at), BinaryPrimitives.ReadInt64LittleEndian(at[8..]));
        }
        if (EpochHistory.Problem(entries) is { } problem) throw new StoreCorruptException($"{damaged}: {problem}{keep}");
        return entries;
    }

    /// <summary>Replaces the file with <paramref name="entries"/> (a valid history), atomically and durably.</summary>
    public static void Write(string path, IReadOnlyList<EpochEntry> entries)
    {
        if (EpochHistory.Problem(entries) is { } problem)
            throw new ArgumentException($"not a valid epoch history: {problem}", nameof(entries));
        var bytes = new byte[HeaderSize + entries.Count * EntrySize + 4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), Version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            var at = bytes.AsSpan(HeaderSize + i * EntrySize);
            BinaryPrimitives.WriteInt64LittleEndian(at, entries[i].Epoch);
            BinaryPrimitives.WriteInt64LittleEndian(at[8..], entries[i].StartOffset);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)));

        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!); // the rename itself survives a crash
    }

    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return; // elsewhere a directory cannot be opened for fsync
        int fd = open(directory, 0 /* O_RDONLY */);
        if (fd < 0) throw new StoreException($"cannot open directory {directory} to make the epoch file's rename durable (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (fsync(fd) != 0)
                throw new StoreException($"fsync of directory {directory} failed (errno {Marshal.GetLastPInvokeError()}): the new epoch file may not survive a crash");
        }
        finally
        {
            close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int close(int fd);
}
