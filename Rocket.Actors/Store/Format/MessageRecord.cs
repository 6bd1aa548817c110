using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rocket.Store.Format;

/// <summary>
/// The commit-log record (little-endian; see docs/store-format.md):
/// <code>
///  0 int32 total size      4 int32 magic        8 int32 queue id      12 int32 flag
/// 16 int64 queue offset   24 int64 phys offset 32 int32 sysflag       36 int64 born timestamp
/// 44 int64 store timestamp 52 int32 reconsume times 56 int64 prepared transaction offset
/// 64 born host (IPv4: 4 + port 4; IPv6 when sysflag 0x10: 16 + port 4)
/// .. int32 body length + body  .. uint8 topic length + topic  .. uint16 properties length + properties
/// .. uint32 CRC-32 of every byte before it
/// </code>
/// </summary>
public static class MessageRecord
{
    public const int Magic = 0x524B5431;      // "RKT1"
    public const int BlankMagic = 0x524B5400; // "RKT\0": the rest of the segment is empty
    public const int BlankSize = 8;           // total size + blank magic
    /// <summary>
    /// "RKTD": a damaged range recovery quarantined and filled (total size + this magic, the rest zero). Readers skip
    /// it like a record; it keeps the offsets after it valid. It is at least <see cref="BlankSize"/> bytes.
    /// </summary>
    public const int DamagedMagic = 0x524B5444;

    public const int TotalSizeOffset = 0;
    public const int MagicOffset = 4;
    public const int QueueIdOffset = 8;
    public const int FlagOffset = 12;
    public const int QueueOffsetOffset = 16;
    public const int PhysicalOffsetOffset = 24;
    public const int SysFlagOffset = 32;
    public const int BornTimestampOffset = 36;
    public const int StoreTimestampOffset = 44;
    public const int ReconsumeTimesOffset = 52;
    public const int PreparedTransactionOffsetOffset = 56;
    public const int BornHostOffset = 64;
    public const int CrcSize = 4;

    /// <summary>The topic length is one signed byte; <see cref="Protocol.ResourceNames.MaxTopicLength"/> stays within it.</summary>
    public const int MaxTopicBytes = sbyte.MaxValue;

    /// <summary>Bytes of a record with an IPv4 born host, empty body, topic and properties.</summary>
    public const int FixedOverhead = BornHostOffset + 8 + 4 + 1 + 2 + CrcSize;

    public static int BornHostSize(int sysFlag) => (sysFlag & SysFlags.BornHostV6) != 0 ? 20 : 8;

    /// <summary>Record size for the given part sizes (born-host size taken from the sysflag).</summary>
    public static int SizeOf(int sysFlag, int bodyBytes, int topicBytes, int propertyBytes) =>
        FixedOverhead - 8 + BornHostSize(sysFlag) + bodyBytes + topicBytes + propertyBytes;

    /// <summary>Sysflag with the born-host family bit set to match the address.</summary>
    public static int NormalizeSysFlag(int sysFlag, IPEndPoint? bornHost) =>
        bornHost?.AddressFamily == AddressFamily.InterNetworkV6
            ? sysFlag | SysFlags.BornHostV6
            : sysFlag & ~SysFlags.BornHostV6;

    /// <summary>
    /// Writes a complete record, CRC included, into <paramref name="destination"/> (exactly <paramref name="size"/> bytes).
    /// </summary>
    public static void Write(Span<byte> destination, int size, in MessageToStore message, int sysFlag,
        ReadOnlySpan<byte> topicUtf8, int propertyBytes, long queueOffset, long physicalOffset, long storeTimestamp)
    {
        var d = destination[..size];
        BinaryPrimitives.WriteInt32LittleEndian(d, size);
        BinaryPrimitives.WriteInt32LittleEndian(d[MagicOffset..], Magic);
        BinaryPrimitives.WriteInt32LittleEndian(d[QueueIdOffset..], message.QueueId);
        BinaryPrimitives.WriteInt32LittleEndian(d[FlagOffset..], message.Flag);
        BinaryPrimitives.WriteInt64LittleEndian(d[QueueOffsetOffset..], queueOffset);
        BinaryPrimitives.WriteInt64LittleEndian(d[PhysicalOffsetOffset..], physicalOffset);
        BinaryPrimitives.WriteInt32LittleEndian(d[SysFlagOffset..], sysFlag);
        BinaryPrimitives.WriteInt64LittleEndian(d[BornTimestampOffset..], message.BornTimestamp);
        BinaryPrimitives.WriteInt64LittleEndian(d[StoreTimestampOffset..], storeTimestamp);
        BinaryPrimitives.WriteInt32LittleEndian(d[ReconsumeTimesOffset..], message.ReconsumeTimes);
        BinaryPrimitives.WriteInt64LittleEndian(d[PreparedTransactionOffsetOffset..], message.PreparedTransactionOffset);

        int p = BornHostOffset;
        int addressBytes = BornHostSize(sysFlag) - 4;
        var host = d.Slice(p, addressBytes);
        if (message.BornHost is { } endPoint)
        {
            if (!endPoint.Address.TryWriteBytes(host, out int written) || written != addressBytes)
                throw new ArgumentException($"born host {endPoint} does not match the record's address family");
            BinaryPrimitives.WriteInt32LittleEndian(d[(p + addressBytes)..], endPoint.Port);
        }
        else
        {
            d.Slice(p, addressBytes + 4).Clear();
        }
        p += addressBytes + 4;

        var body = message.Body.Span;
        BinaryPrimitives.WriteInt32LittleEndian(d[p..], body.Length);
        p += 4;
        body.CopyTo(d[p..]);
        p += body.Length;

        d[p++] = (byte)topicUtf8.Length;
        topicUtf8.CopyTo(d[p..]);
        p += topicUtf8.Length;

        BinaryPrimitives.WriteUInt16LittleEndian(d[p..], (ushort)propertyBytes);
        p += 2;
        if (propertyBytes > 0) Encoding.UTF8.GetBytes(message.Properties, d.Slice(p, propertyBytes));
        p += propertyBytes;

        BinaryPrimitives.WriteUInt32LittleEndian(d[p..], Crc32.HashToUInt32(d[..p]));
    }

    public static void WriteBlank(Span<byte> destination, int remaining)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, remaining);
        BinaryPrimitives.WriteInt32LittleEndian(destination[MagicOffset..], BlankMagic);
    }

    /// <summary>Fills <paramref name="destination"/> (a whole damaged range, at least 8 bytes) with a damaged-range filler.</summary>
    public static void WriteDamagedFiller(Span<byte> destination)
    {
        if (destination.Length < BlankSize)
            throw new ArgumentOutOfRangeException(nameof(destination), destination.Length,
                $"a damaged-range filler needs at least {BlankSize} bytes");
        destination.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(destination, destination.Length);
        BinaryPrimitives.WriteInt32LittleEndian(destination[MagicOffset..], DamagedMagic);
    }

    public static int ReadTotalSize(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt32LittleEndian(record);
    public static int ReadMagic(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt32LittleEndian(record[MagicOffset..]);
    public static int ReadQueueId(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt32LittleEndian(record[QueueIdOffset..]);
    public static long ReadQueueOffset(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[QueueOffsetOffset..]);
    public static long ReadPhysicalOffset(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[PhysicalOffsetOffset..]);
    public static int ReadSysFlag(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt32LittleEndian(record[SysFlagOffset..]);
    public static long ReadStoreTimestamp(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[StoreTimestampOffset..]);
    public static int ReadFlag(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt32LittleEndian(record[FlagOffset..]);
    public static long ReadBornTimestamp(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[BornTimestampOffset..]);
    public static int ReadReconsumeTimes(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt32LittleEndian(record[ReconsumeTimesOffset..]);

    /// <summary>
    /// Checks that <paramref name="record"/> (which must start at a record boundary and may extend past it) holds a
    /// complete, valid record at <paramref name="expectedPhysicalOffset"/>: sane size, magic, CRC, own offset. A blank
    /// marker or a damaged-range filler is reported as such (scanners skip both).
    /// </summary>
    public static RecordCheck Check(ReadOnlySpan<byte> record, long expectedPhysicalOffset, bool verifyCrc = true)
    {
        if (record.Length < 8) return RecordCheck.Invalid;
        int size = ReadTotalSize(record);
        int magic = ReadMagic(record);
        if (magic == BlankMagic) return size == record.Length && size >= BlankSize ? RecordCheck.Blank : RecordCheck.Invalid;
        if (magic == DamagedMagic) return size >= BlankSize && size <= record.Length ? RecordCheck.Damaged : RecordCheck.Invalid;
        if (magic != Magic || size < FixedOverhead || size > record.Length) return RecordCheck.Invalid;
        var r = record[..size];
        if (ReadPhysicalOffset(r) != expectedPhysicalOffset) return RecordCheck.Invalid;
        if (!TryLocateParts(r, out _)) return RecordCheck.Invalid;
        if (verifyCrc)
        {
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(r[^CrcSize..]);
            if (Crc32.HashToUInt32(r[..^CrcSize]) != stored) return RecordCheck.Invalid;
        }
        return RecordCheck.Valid;
    }

    /// <summary>Offsets of the variable parts inside one record; false if the lengths do not add up.</summary>
    public static bool TryLocateParts(ReadOnlySpan<byte> record, out RecordParts parts)
    {
        parts = default;
        int size = record.Length;
        int sysFlag = ReadSysFlag(record);
        int p = BornHostOffset + BornHostSize(sysFlag);
        if (p + 4 > size) return false;
        int bodyLength = BinaryPrimitives.ReadInt32LittleEndian(record[p..]);
        p += 4;
        if (bodyLength < 0 || bodyLength > size - p) return false;
        int bodyOffset = p;
        p += bodyLength;
        if (p + 1 > size) return false;
        int topicLength = record[p++];
        int topicOffset = p;
        p += topicLength;
        if (p + 2 > size) return false;
        int propertiesLength = BinaryPrimitives.ReadUInt16LittleEndian(record[p..]);
        p += 2;
        int propertiesOffset = p;
        p += propertiesLength;
        if (p + CrcSize != size) return false;
        parts = new RecordParts(bodyOffset, bodyLength, topicOffset, topicLength, propertiesOffset, propertiesLength);
        return true;
    }

    /// <summary>Decodes a whole record (assumed valid) into a <see cref="StoredMessage"/>.</summary>
    public static StoredMessage Decode(ReadOnlySpan<byte> record)
    {
        if (!TryLocateParts(record, out var parts))
            throw new StoreCorruptException("record lengths do not add up; the record is not a Rocket commit-log record");
        return Decode(record, parts);
    }

    /// <summary>Decodes a whole record whose <paramref name="parts"/> <see cref="TryLocateParts"/> found.</summary>
    public static StoredMessage Decode(ReadOnlySpan<byte> record, in RecordParts parts)
    {
        int sysFlag = ReadSysFlag(record);
        int addressBytes = BornHostSize(sysFlag) - 4;
        var address = record.Slice(BornHostOffset, addressBytes);
        int port = BinaryPrimitives.ReadInt32LittleEndian(record[(BornHostOffset + addressBytes)..]);
        IPEndPoint? bornHost = address.IndexOfAnyExcept((byte)0) < 0 && port == 0
            ? null
            : new IPEndPoint(new IPAddress(address), port);
        return new StoredMessage(
            Topic: Encoding.UTF8.GetString(record.Slice(parts.TopicOffset, parts.TopicLength)),
            QueueId: ReadQueueId(record),
            Flag: ReadFlag(record),
            QueueOffset: ReadQueueOffset(record),
            PhysicalOffset: ReadPhysicalOffset(record),
            SysFlag: sysFlag,
            BornTimestamp: ReadBornTimestamp(record),
            StoreTimestamp: ReadStoreTimestamp(record),
            BornHost: bornHost,
            ReconsumeTimes: ReadReconsumeTimes(record),
            PreparedTransactionOffset: BinaryPrimitives.ReadInt64LittleEndian(record[PreparedTransactionOffsetOffset..]),
            Properties: parts.PropertiesLength == 0 ? null : Encoding.UTF8.GetString(record.Slice(parts.PropertiesOffset, parts.PropertiesLength)),
            Body: record.Slice(parts.BodyOffset, parts.BodyLength).ToArray(),
            StoreSize: record.Length);
    }
}

public enum RecordCheck
{
    Valid,
    /// <summary>End-of-segment marker: the rest of the segment is empty.</summary>
    Blank,
    Invalid,
    /// <summary>A damaged range recovery filled (<see cref="MessageRecord.DamagedMagic"/>): skip its total size.</summary>
    Damaged,
}

public readonly record struct RecordParts(
    int BodyOffset, int BodyLength, int TopicOffset, int TopicLength, int PropertiesOffset, int PropertiesLength);
