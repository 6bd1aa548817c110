namespace Rocket.Serialization;

/// <summary>Counts the bytes a message will take, so the writer can fill one exactly sized array.</summary>
internal struct WireSizer : IWireSink
{
    /// <summary>Bytes so far; a long so that an absurd message fails with a clear error instead of overflowing.</summary>
    public long Size { get; private set; }

    public void VarUInt(ulong value) => Size += WireFormat.VarUIntSize(value);

    public void VarLong(long value) => VarUInt(WireFormat.ZigZag(value));

    public void Count(int? count) => VarUInt(WireFormat.LengthPrefix(count));

    public void String(string? value) => Sequence(value is null ? null : WireFormat.Utf8.GetByteCount(value));

    public void Bytes(byte[]? value) => Sequence(value?.Length);

    public void Sequence(ReadOnlySpan<byte> value) => Sequence(value.Length);

    public void Raw(ReadOnlySpan<byte> value) => Size += value.Length;

    private void Sequence(int? byteCount)
    {
        VarUInt(WireFormat.LengthPrefix(byteCount));
        Size += byteCount ?? 0;
    }
}
