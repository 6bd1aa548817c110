using System.Net;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Protocol;
using Rocket.Store.Format;
using Xunit;

namespace Rocket.Tests.Store;

public class MessageRecordTests
{
    private static byte[] Encode(in MessageToStore m, long queueOffset, long physicalOffset, long storeTimestamp)
    {
        int sysFlag = MessageRecord.NormalizeSysFlag(m.SysFlag, m.BornHost);
        var topic = Encoding.UTF8.GetBytes(m.Topic);
        int propertyBytes = m.Properties is null ? 0 : Encoding.UTF8.GetByteCount(m.Properties);
        int size = MessageRecord.SizeOf(sysFlag, m.Body.Length, topic.Length, propertyBytes);
        var buffer = new byte[size];
        MessageRecord.Write(buffer, size, m, sysFlag, topic, propertyBytes, queueOffset, physicalOffset, storeTimestamp);
        return buffer;
    }

    private static readonly Gen<string> TopicGen =
        Gen.Elements("%|abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-".ToCharArray())
            .ArrayOf().Where(a => a.Length is > 0 and <= 127).Select(a => new string(a));

    private static readonly Gen<string> PropertyTextGen =
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null)
            .Select(s => s.Replace("\u0001", "").Replace("\u0002", ""));

    private static readonly Gen<MessageToStore> MessageGen =
        from topic in TopicGen
        from queueId in Gen.Choose(0, 1023)
        from body in ArbMap.Default.GeneratorFor<byte[]>().Where(b => b is { Length: > 0 })
        from properties in Gen.Zip(PropertyTextGen.Where(n => n.Length > 0), PropertyTextGen).ListOf()
        from flag in ArbMap.Default.GeneratorFor<int>()
        from transaction in Gen.Elements(0, SysFlags.TransactionPrepared, SysFlags.TransactionCommit)
        from born in Gen.Choose(0, int.MaxValue)
        from v6 in ArbMap.Default.GeneratorFor<bool>()
        from port in Gen.Choose(0, 65535)
        from reconsume in Gen.Choose(0, 16)
        from prepared in Gen.Choose(0, int.MaxValue)
        select new MessageToStore(topic, queueId, body,
            properties.Count == 0 ? null : MessageProperties.Encode(properties.DistinctBy(p => p.Item1).Select(p => KeyValuePair.Create(p.Item1, p.Item2))),
            flag, transaction, born * 1000L,
            new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Parse("10.1.2.3"), port), reconsume, prepared);

    [Property(MaxTest = 300)]
    public Property Every_field_round_trips() =>
        Prop.ForAll(MessageGen.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (m, offsetSeed) =>
        {
            long physical = offsetSeed * 7L, queueOffset = offsetSeed / 3, stored = 1_700_000_000_123L + offsetSeed;
            var record = Encode(m, queueOffset, physical, stored);
            Assert.Equal(RecordCheck.Valid, MessageRecord.Check(record, physical));
            var back = MessageRecord.Decode(record);
            Assert.Equal(m.Topic, back.Topic);
            Assert.Equal(m.QueueId, back.QueueId);
            Assert.Equal(m.Flag, back.Flag);
            Assert.Equal(queueOffset, back.QueueOffset);
            Assert.Equal(physical, back.PhysicalOffset);
            Assert.Equal(m.SysFlag, back.SysFlag & SysFlags.TransactionMask);
            Assert.Equal(m.BornTimestamp, back.BornTimestamp);
            Assert.Equal(stored, back.StoreTimestamp);
            Assert.Equal(m.BornHost, back.BornHost);
            Assert.Equal(m.ReconsumeTimes, back.ReconsumeTimes);
            Assert.Equal(m.PreparedTransactionOffset, back.PreparedTransactionOffset);
            Assert.Equal(m.Properties, back.Properties);
            Assert.Equal(m.Body.ToArray(), back.Body);
            Assert.Equal(record.Length, back.StoreSize);
        });

    [Property(MaxTest = 300)]
    public Property The_crc_covers_every_byte_of_the_record() =>
        Prop.ForAll(MessageGen.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), Gen.Choose(1, 255).ToArbitrary(),
            (m, position, xor) =>
            {
                var record = Encode(m, 5, 4096, 1);
                record[position % record.Length] ^= (byte)xor;
                Assert.NotEqual(RecordCheck.Valid, MessageRecord.Check(record, 4096));
            });

    [Fact]
    public void A_record_at_the_wrong_offset_is_invalid()
    {
        var record = Encode(TestMessage(), 0, 100, 1);
        Assert.Equal(RecordCheck.Valid, MessageRecord.Check(record, 100));
        Assert.Equal(RecordCheck.Invalid, MessageRecord.Check(record, 101));
    }

    [Fact]
    public void A_truncated_record_is_invalid_at_every_length()
    {
        var record = Encode(TestMessage(), 0, 0, 1);
        for (int length = 0; length < record.Length; length++)
            Assert.Equal(RecordCheck.Invalid, MessageRecord.Check(record.AsSpan(0, length), 0));
    }

    [Fact]
    public void A_blank_marker_fills_the_rest_of_a_segment()
    {
        var tail = new byte[64];
        MessageRecord.WriteBlank(tail, tail.Length);
        Assert.Equal(RecordCheck.Blank, MessageRecord.Check(tail, 0));
        Assert.Equal(RecordCheck.Invalid, MessageRecord.Check(tail.AsSpan(0, 32), 0));
    }

    [Fact]
    public void A_message_without_born_host_decodes_to_null_host()
    {
        var m = TestMessage() with { BornHost = null };
        Assert.Null(MessageRecord.Decode(Encode(m, 0, 0, 1)).BornHost);
    }

    [Fact]
    public void Properties_are_found_in_the_encoded_bytes_without_decoding()
    {
        string encoded = MessageProperties.Encode([new("TAGS", "TagA"), new("KEYS", "k1 k2"), new("UNIQ_KEY", "u")]);
        var utf8 = Encoding.UTF8.GetBytes(encoded);
        Assert.Equal("k1 k2", Encoding.UTF8.GetString(MessageProperties.GetUtf8(utf8, "KEYS"u8, out bool found)));
        Assert.True(found);
        MessageProperties.GetUtf8(utf8, "NOPE"u8, out found);
        Assert.False(found);
        Assert.Equal("TagA", MessageProperties.Get(encoded, "TAGS"));
        Assert.Equal(3, MessageProperties.Decode(encoded).Count);
    }

    [Fact]
    public void A_property_with_a_separator_character_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => MessageProperties.Encode([new("K", "a\u0001b")]));
        Assert.Contains("'K'", e.Message);
    }

    private static MessageToStore TestMessage() =>
        new("TopicA", 1, "body"u8.ToArray(), MessageProperties.Encode([new("TAGS", "A")]),
            BornHost: new IPEndPoint(IPAddress.Loopback, 1234));
}
