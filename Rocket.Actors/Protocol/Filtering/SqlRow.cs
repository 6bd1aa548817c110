namespace Rocket.Protocol.Filtering;

/// <summary>Three-valued logic: a comparison with a missing property is <see cref="Unknown"/>, and only True matches.</summary>
internal enum Tri : byte { False, True, Unknown }

/// <summary>
/// The values of the properties one filter references, found in one pass over a message's encoded properties
/// (<c>name\u0001value\u0002…</c>, UTF-8): each slot is a (start, length) pair into <see cref="Properties"/>, length -1
/// when the message lacks that property.
/// </summary>
internal ref struct SqlRow
{
    private readonly ReadOnlySpan<byte> _properties;
    private readonly Span<int> _slots;

    public SqlRow(ReadOnlySpan<byte> properties, Span<int> slots, byte[][] names)
    {
        _properties = properties;
        _slots = slots;
        for (int i = 1; i < slots.Length; i += 2) slots[i] = -1;
        int position = 0;
        while (position < properties.Length)
        {
            var rest = properties[position..];
            int end = rest.IndexOf((byte)MessageProperties.PropertySeparator);
            var pair = end < 0 ? rest : rest[..end];
            int separator = pair.IndexOf((byte)MessageProperties.NameValueSeparator);
            if (separator > 0)
            {
                var name = pair[..separator];
                for (int n = 0; n < names.Length; n++)
                    if (name.SequenceEqual(names[n]))
                    {
                        // The last occurrence wins, as when RocketMQ decodes properties into a map.
                        slots[2 * n] = position + separator + 1;
                        slots[2 * n + 1] = pair.Length - separator - 1;
                        break;
                    }
            }
            if (end < 0) break;
            position += end + 1;
        }
    }

    public readonly bool TryGet(int slot, out ReadOnlySpan<byte> value)
    {
        int length = _slots[2 * slot + 1];
        value = length < 0 ? default : _properties.Slice(_slots[2 * slot], length);
        return length >= 0;
    }
}
