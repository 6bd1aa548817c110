namespace Rocket.Serialization;

/// <summary>
/// Where a wire codec puts a message. Each codec's Write method runs twice, first into a <see cref="WireSizer"/>
/// to learn the exact length, then into a <see cref="WireWriter"/> over one byte[] of that length; one Write
/// method serving both passes means the size can never drift from what is written.
/// </summary>
internal interface IWireSink
{
    /// <summary>An unsigned LEB128 varint (7 bits a byte, least significant group first).</summary>
    void VarUInt(ulong value);

    /// <summary>A signed value as a ZigZag varint, so small negatives (e.g. -1 sentinels) stay short.</summary>
    void VarLong(long value);

    /// <summary>Item count + 1, or 0 for a null array.</summary>
    void Count(int? count);

    /// <summary>UTF-8 byte count + 1 then the bytes, or 0 for null.</summary>
    void String(string? value);

    /// <summary>Byte count + 1 then the bytes, or 0 for null.</summary>
    void Bytes(byte[]? value);

    /// <summary>
    /// Byte count + 1 then the bytes: what <see cref="Bytes"/> writes for an array, and <see cref="String"/> for a
    /// string whose UTF-8 these are, written from bytes that are already encoded.
    /// </summary>
    void Sequence(ReadOnlySpan<byte> value);

    /// <summary>Bytes already in this format (e.g. a part of a message another codec wrote), as they are.</summary>
    void Raw(ReadOnlySpan<byte> value);
}
