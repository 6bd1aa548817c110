namespace Rocket.Serialization;

/// <summary>Writes into a buffer that <see cref="WireSizer"/> sized exactly, so it never checks for room.</summary>
internal ref struct WireWriter : IWireSink
{
    private readonly Span<byte> _buffer;
    private int _position;

    public WireWriter(Span<byte> buffer) => _buffer = buffer;

    public readonly int Position => _position;

    public void VarUInt(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[_position++] = (byte)value;
    }

    public void VarLong(long value) => VarUInt(WireFormat.ZigZag(value));

    public void Count(int? count) => VarUInt(WireFormat.LengthPrefix(count));

    public void String(string? value)
    {
        if (value is null)
        {
            VarUInt(0);
            return;
        }
        // The sizing pass already counted the bytes; avoid counting again when the prefix has the same width for
        // every possible byte count (always for short names): encode after the prefix slot, then fill it in.
        long fewest = value.Length, most = fewest * WireFormat.MaxUtf8BytesPerChar;
        int prefixSize = WireFormat.VarUIntSize((ulong)fewest + 1);
        if (prefixSize == WireFormat.VarUIntSize((ulong)most + 1))
        {
            int written = WireFormat.Utf8.GetBytes(value, _buffer[(_position + prefixSize)..]);
            VarUInt((ulong)written + 1);
            _position += written;
            return;
        }
        int count = WireFormat.Utf8.GetByteCount(value);
        VarUInt((ulong)count + 1);
        _position += WireFormat.Utf8.GetBytes(value, _buffer[_position..]);
    }

    public void Bytes(byte[]? value)
    {
        Count(value?.Length);
        if (value is null) return;
        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
    }

    public void Sequence(ReadOnlySpan<byte> value)
    {
        VarUInt((ulong)value.Length + 1);
        Raw(value);
    }

    public void Raw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
    }
}
