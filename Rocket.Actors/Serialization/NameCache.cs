using System.IO.Hashing;

namespace Rocket.Serialization;

/// <summary>
/// Hands out one string instance per short name (topic, group, tag expression) seen on the wire, so decoding a
/// pull batch of 32 messages of one topic allocates the topic once instead of 32 times. A fixed table of slots
/// keyed by a hash of the UTF-8 bytes: a collision simply replaces the slot, so memory stays bounded however many
/// names pass through. Thread-safe without locks because entries are immutable and replaced whole.
/// </summary>
internal sealed class NameCache
{
    /// <summary>RocketMQ caps topic names at 127 characters; longer strings are not worth caching.</summary>
    public const int MaxNameBytes = 127;

    private const int SlotCount = 1024; // a power of two, so a mask picks the slot

    private sealed class Entry(byte[] utf8, string value)
    {
        public readonly byte[] Utf8 = utf8;
        public readonly string Value = value;
    }

    private readonly Entry?[] _slots = new Entry?[SlotCount];

    public bool TryGet(ReadOnlySpan<byte> utf8, out string value)
    {
        var entry = Volatile.Read(ref _slots[SlotOf(utf8)]);
        if (entry is not null && utf8.SequenceEqual(entry.Utf8))
        {
            value = entry.Value;
            return true;
        }
        value = "";
        return false;
    }

    public void Add(ReadOnlySpan<byte> utf8, string value) =>
        Volatile.Write(ref _slots[SlotOf(utf8)], new Entry(utf8.ToArray(), value));

    private static int SlotOf(ReadOnlySpan<byte> utf8) => (int)(XxHash3.HashToUInt64(utf8) & (SlotCount - 1));
}
