using System.Runtime.Serialization;
using System.Text;

namespace Rocket.Serialization;

/// <summary>
/// Reads the Rocket wire format from bytes that came off the network, so it trusts nothing: every read is bounds
/// checked and every failure is a <see cref="SerializationException"/> saying what was being read and where.
/// </summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _manifest;
    private readonly NameCache _names;
    private int _position;

    public WireReader(ReadOnlySpan<byte> data, string manifest, NameCache names)
    {
        _data = data;
        _manifest = manifest;
        _names = names;
    }

    private readonly int Remaining => _data.Length - _position;

    public ulong VarUInt(string field)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (_position >= _data.Length) throw Truncated(field);
            byte b = _data[_position++];
            // The 10th byte may only hold the top bit of a 64-bit value.
            if (shift == 63 && b > 1) throw Malformed(field, "a varint longer than 64 bits");
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }

    public long VarLong(string field) => WireFormat.UnZigZag(VarUInt(field));

    public int VarInt(string field)
    {
        long value = VarLong(field);
        if (value is < int.MinValue or > int.MaxValue) throw Malformed(field, $"{value} does not fit in an int");
        return (int)value;
    }

    /// <summary>
    /// An array's item count, or -1 for null. Every item takes at least one byte, so a count larger than the bytes
    /// left is rejected before it can allocate a huge array.
    /// </summary>
    public int Count(string field)
    {
        int start = _position;
        ulong prefix = VarUInt(field);
        if (prefix == 0) return -1;
        ulong count = prefix - 1;
        if (count > (ulong)Remaining) throw Malformed(field, $"{count} items claimed but only {Remaining} bytes left", start);
        return (int)count;
    }

    public string? String(string field)
    {
        var bytes = Sequence(field);
        return bytes.IsNull ? null : Decode(bytes.Span, field);
    }

    /// <summary>A string that repeats across messages (topic, group, tag expression): shared via the name cache.</summary>
    public string? Name(string field)
    {
        var bytes = Sequence(field);
        if (bytes.IsNull) return null;
        if (bytes.Span.Length > NameCache.MaxNameBytes) return Decode(bytes.Span, field);
        if (_names.TryGet(bytes.Span, out var cached)) return cached;
        var name = Decode(bytes.Span, field);
        _names.Add(bytes.Span, name);
        return name;
    }

    /// <summary>The only copy a body goes through on the receiving side.</summary>
    public byte[]? Bytes(string field)
    {
        var bytes = Sequence(field);
        return bytes.IsNull ? null : bytes.Span.ToArray();
    }

    /// <summary>Trailing bytes mean sender and receiver disagree on the layout: fail rather than guess.</summary>
    public readonly void End()
    {
        if (Remaining != 0)
            throw new SerializationException(
                $"Rocket wire '{_manifest}' payload has {Remaining} unexpected trailing bytes after byte {_position} of {_data.Length}");
    }

    private readonly ref struct Slice(ReadOnlySpan<byte> span, bool isNull)
    {
        public readonly ReadOnlySpan<byte> Span = span;
        public readonly bool IsNull = isNull;
    }

    private Slice Sequence(string field)
    {
        ulong prefix = VarUInt(field);
        if (prefix == 0) return new Slice(default, isNull: true);
        ulong length = prefix - 1;
        if (length > (ulong)Remaining) throw Truncated(field);
        var span = _data.Slice(_position, (int)length);
        _position += (int)length;
        return new Slice(span, isNull: false);
    }

    private readonly string Decode(ReadOnlySpan<byte> utf8, string field)
    {
        try
        {
            return WireFormat.StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException e)
        {
            throw new SerializationException(
                $"Rocket wire '{_manifest}' payload has invalid UTF-8 in {field} before byte {_position} of {_data.Length}", e);
        }
    }

    private readonly SerializationException Truncated(string field) =>
        new($"Rocket wire '{_manifest}' payload is truncated: it ends at byte {_data.Length} while reading {field}");

    private readonly SerializationException Malformed(string field, string problem, int? at = null) =>
        new($"Rocket wire '{_manifest}' payload is malformed at byte {at ?? _position} of {_data.Length}: {problem} in {field}");
}
