using System.Buffers;
using System.Text;
using Rocket.DataChannel;
using Rocket.Protocol;
using Rocket.Serialization;
using Rocket.Store.Format;
using Rocket.Store.Log;

namespace Rocket.Broker.Pull;

/// <summary>
/// The exact tag check of a pull, on a record's properties in place: the store filtered by tag hash, and hashes
/// can collide. This is the only place the tag is checked (clients trust it). "*" and SQL92 subscriptions need no
/// check, and no property is read for them.
/// </summary>
internal static class PullTagCheck
{
    private static ReadOnlySpan<byte> TagsKey => "TAGS"u8;

    public static bool Accepts(PullFilter filter, ReadOnlySpan<byte> record, in RecordParts parts)
    {
        if (!filter.ChecksTags) return true;
        var tag = MessageProperties.GetUtf8(record.Slice(parts.PropertiesOffset, parts.PropertiesLength), TagsKey, out bool found);
        return filter.MatchesTag(found ? Encoding.UTF8.GetString(tag) : null);
    }
}

/// <summary>A pull's messages as objects, for an answer that travels as one (to an actor, local or over Akka.Remote).</summary>
internal struct PulledMessageList(PullFilter filter) : IRecordSink
{
    public List<PulledMessage> Messages { get; } = new();

    public long? LastPhysicalOffset { get; private set; }

    public bool Take(ReadOnlySpan<byte> record, in RecordParts parts)
    {
        if (!PullTagCheck.Accepts(filter, record, parts)) return false;
        var stored = MessageRecord.Decode(record, parts);
        Messages.Add(new PulledMessage(stored.QueueOffset, stored.PhysicalOffset, stored.BornTimestamp, stored.StoreTimestamp,
            stored.ReconsumeTimes, stored.Flag, stored.Properties, stored.Body));
        LastPhysicalOffset = stored.PhysicalOffset;
        return true;
    }
}

/// <summary>
/// A pull's messages written from the mapped records straight into their wire form, in one buffer from the pool, for
/// an answer that leaves over the data channel (<see cref="EncodedPullResponse"/>): the properties' and
/// body's bytes are copied once, and nothing is decoded or allocated per message.
/// </summary>
internal struct PulledMessageEncoder(PullFilter filter) : IRecordSink
{
    /// <summary>Room a message's numbers and two length prefixes take beyond its record's bytes, at most.</summary>
    private const int Overhead = 6 * 10 + 2 * 5;

    private byte[]? _buffer;
    private int _length;
    private PullResponseCodec.MessageDeltas _deltas = PullResponseCodec.MessageDeltas.Start;

    public long? LastPhysicalOffset { get; private set; }

    public int Count { get; private set; }

    public bool Take(ReadOnlySpan<byte> record, in RecordParts parts)
    {
        if (!PullTagCheck.Accepts(filter, record, parts)) return false;
        EnsureRoom(record.Length + Overhead);
        var writer = new WireWriter(_buffer.AsSpan(_length));
        long physicalOffset = MessageRecord.ReadPhysicalOffset(record);
        PullResponseCodec.WriteMessageNumbers(ref writer, ref _deltas, MessageRecord.ReadQueueOffset(record), physicalOffset,
            MessageRecord.ReadStoreTimestamp(record), MessageRecord.ReadBornTimestamp(record),
            MessageRecord.ReadReconsumeTimes(record), MessageRecord.ReadFlag(record));
        // As PullResponseCodec writes a decoded message: a record without properties has null ones.
        if (parts.PropertiesLength == 0) writer.String(null);
        else writer.Sequence(record.Slice(parts.PropertiesOffset, parts.PropertiesLength));
        writer.Sequence(record.Slice(parts.BodyOffset, parts.BodyLength));
        _length += writer.Position;
        LastPhysicalOffset = physicalOffset;
        Count++;
        return true;
    }

    /// <summary>The answer to send, once a message was taken; the buffer now belongs to it (the write loop returns it to the pool).</summary>
    public EncodedPullResponse Finish(PullResponse head)
    {
        var buffer = _buffer ?? throw new InvalidOperationException("an encoded pull answer needs at least one message");
        _buffer = null;
        return new EncodedPullResponse(head, Count, buffer, _length);
    }

    /// <summary>Gives the buffer back when no answer is made from it.</summary>
    public void Abandon()
    {
        if (_buffer is { } rented) ArrayPool<byte>.Shared.Return(rented);
        _buffer = null;
    }

    private void EnsureRoom(int bytes)
    {
        if (_buffer is not null && _buffer.Length - _length >= bytes) return;
        // Sized for what is known so far and doubled as messages come: a held pull's answer is often one message, and
        // a bucket far larger than it would make the pool's arrays, kept per thread and core, needlessly large.
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_length + bytes, _buffer is null ? 4 * 1024 : _buffer.Length * 2));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = larger;
    }
}
