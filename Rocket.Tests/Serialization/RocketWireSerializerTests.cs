using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Protocol;
using Rocket.Protocol.Filtering;
using Rocket.Serialization;
using Rocket.Store;
using Xunit;

namespace Rocket.Tests.Serialization;

public class RocketWireSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    private const long Born = 1_700_000_000_123;

    public RocketWireSerializerTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    private RocketWireSerializer Wire => new((ExtendedActorSystem)Sys);

    /// <summary>Through the ActorSystem's serialization, the way remoting does it: serializer id + manifest + bytes.</summary>
    private object RoundTrip(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
    }

    private void AssertRoundTrips(IRocketWire message) => WireAssert.Same(message, RoundTrip(message));

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static IEnumerable<IRocketWire> Samples() =>
    [
        new ProduceRequest(42, [
            new WireMessage("TopicA", 3, Utf8("hello"), "TAGS\u0001TagA\u0002KEYS\u0001k1", 0, Born),
            new WireMessage("主题-トピック-🚀", int.MaxValue, [], null, -1, long.MinValue),
        ]),
        new ProduceResponse(42, [
            new ProduceResult(ProduceStatus.Ok, 3, 17, 4096, Born, null),
            new ProduceResult(ProduceStatus.TopicNotExist, -1, -1, -1, 0, "topic 主题 does not exist"),
        ]),
        new PullRequest(7, "GroupA", "TopicA", 1, 1234, 32, "TagA || TagB", 15_000),
        new PullRequest(8, "GroupA", "TopicA", 1, 1234, 32, "a > 5 AND region IN ('eu', 'üs')", 15_000, FilterType.Sql92),
        new PullResponse(7, PullStatus.Found, "TopicA", 1, 1236, 0, 5000, [
            new PulledMessage(1234, 8192, Born, Born + 1, 0, 0, "KEYS\u0001ключ", Utf8("a")),
            new PulledMessage(1235, 8300, Born, Born + 2, 16, int.MinValue, null, []),
        ]),
        new PullResponse(8, PullStatus.NoPermission, "主题", 3, 12, 0, 0, [], "topic '主题' is not readable on broker broker-a"),
        // suggestPullFromSlave: a slave (1), the master (0, RocketMQ's MASTER_ID), none (null, the default).
        new PullResponse(10, PullStatus.Found, "TopicA", 1, 1235, 0, 5000, [new PulledMessage(1234, 8192, Born, Born, 0, 0, null, Utf8("b"))], null, 1),
        new PullResponse(11, PullStatus.NoNewMessage, "TopicA", 1, 1235, 0, 1235, [], null, 0),
        // Offsets and timestamps that go backwards or jump: the differences are signed.
        new PullResponse(9, PullStatus.Found, "T", 0, 5, 0, 5, [
            new PulledMessage(long.MaxValue, long.MaxValue, long.MinValue, long.MaxValue, 0, 0, null, [1]),
            new PulledMessage(0, 0, Born, 0, 0, 0, null, [2]),
            new PulledMessage(long.MinValue, -5, Born + 10, Born, int.MaxValue, 0, "", [3]),
        ]),
        new ReplicaChunk(3, 1L << 40, (1L << 40) + 5, [1, 2, 3, 4, 5]),
        new ReplicaAck(3, 1, long.MaxValue),
    ];

    public static TheoryData<int> SampleIndexes() => [0, 1, 2, 3, 4, 5, 6, 7];

    [Theory, MemberData(nameof(SampleIndexes))]
    public void Every_message_type_round_trips_every_field(int index) => AssertRoundTrips(Samples().ElementAt(index));

    [Fact]
    public void Empty_and_null_arrays_and_null_strings_round_trip()
    {
        AssertRoundTrips(new ProduceRequest(0, []));
        AssertRoundTrips(new ProduceRequest(-1, null!));
        AssertRoundTrips(new ProduceRequest(1, [new WireMessage(null!, 0, null!, null, 0, 0)]));
        AssertRoundTrips(new ProduceResponse(0, []));
        AssertRoundTrips(new ProduceResponse(0, null!));
        AssertRoundTrips(new PullRequest(0, "", "", 0, 0, 0, null, 0));
        AssertRoundTrips(new PullRequest(0, null!, null!, 0, 0, 0, "", 0));
        AssertRoundTrips(new PullResponse(0, PullStatus.NoNewMessage, "", 0, 0, 0, 0, []));
        AssertRoundTrips(new PullResponse(0, PullStatus.OffsetIllegal, null!, -1, -1, 0, 0, null!, null));
    }

    [Fact]
    public void A_suggested_broker_id_takes_one_byte_as_no_suggestion_does_and_a_negative_one_is_refused_naming_it()
    {
        var plain = new PullResponse(1, PullStatus.NoNewMessage, "T", 0, 5, 0, 5, []);
        Assert.Equal(Wire.ToBinary(plain).Length, Wire.ToBinary(plain with { SuggestBrokerId = 0 }).Length);
        Assert.Equal(Wire.ToBinary(plain).Length, Wire.ToBinary(plain with { SuggestBrokerId = 1 }).Length);
        var error = Assert.ThrowsAny<Exception>(() => Wire.ToBinary(plain with { SuggestBrokerId = -1 }));
        Assert.Contains("suggested broker id must be in [0, ", error.ToString());
    }

    [Fact]
    public void A_one_mebibyte_body_round_trips_and_costs_only_a_few_bytes_of_framing()
    {
        var body = new byte[1024 * 1024];
        new Random(7).NextBytes(body);
        var request = new ProduceRequest(1, [new WireMessage("TopicA", 0, body, null, 0, Born)]);
        var bytes = Wire.ToBinary(request);
        Assert.InRange(bytes.Length, body.Length, body.Length + 32);
        WireAssert.Same(request, Wire.FromBinary(bytes, RocketWireSerializer.ProduceRequestManifest));

        var pulled = new PullResponse(1, PullStatus.Found, "TopicA", 0, 1, 0, 1, [new PulledMessage(0, 0, Born, Born, 0, 0, "p", body)]);
        AssertRoundTrips(pulled);
    }

    [Fact]
    public void Small_numbers_take_one_byte()
    {
        // request id, count, topic "T", queue id, body "x", null properties, flag, born 0
        var bytes = Wire.ToBinary(new ProduceRequest(1, [new WireMessage("T", 1, [0x78], null, 0, 0)]));
        Assert.Equal([2, 2, 2, (byte)'T', 2, 2, 0x78, 0, 0, 0], bytes);
    }

    [Fact]
    public void A_pull_response_names_its_queue_once_and_consecutive_messages_cost_a_few_bytes_beside_their_payload()
    {
        // 32 consecutive messages of one queue, as the broker sends them: 1 KiB bodies, store times a millisecond apart.
        var messages = Enumerable.Range(0, 32)
            .Select(i => new PulledMessage(1_000_000 + i, 50_000_000_000L + i * 1100L, Born - 2, Born + i / 8, 0, 0, "TAGS\u0001A", new byte[1024]))
            .ToArray();
        var response = new PullResponse(1, PullStatus.Found, "TopicWithALongishName", 5, 1_000_032, 0, 1_000_032, messages);
        var bytes = Wire.ToBinary(response);
        int payload = messages.Sum(m => m.Body.Length + "TAGS\u0001A".Length);
        // Per message: queue offset 1 byte, physical offset 2, store time 1, born time 1, reconsume 1, flag 1,
        // properties and body prefixes 3: 10 bytes; the first message and the header take a few more.
        Assert.InRange(bytes.Length - payload, 32 * 10, 32 * 10 + 48);
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(Encoding.Latin1.GetString(bytes), "TopicWithALongishName"));
        AssertRoundTrips(response);
    }

    [Fact]
    public void Repeated_topics_in_pull_responses_decode_to_one_string_instance()
    {
        var first = (PullResponse)RoundTrip(new PullResponse(1, PullStatus.Found, "Topic-" + "A", 0, 0, 0, 0, []));
        var second = (PullResponse)RoundTrip(new PullResponse(2, PullStatus.Found, "Topic-" + "A", 1, 0, 0, 0, []));
        Assert.Same(first.Topic, second.Topic);
    }

    [Fact]
    public void A_lone_surrogate_is_sent_as_the_replacement_character_as_the_commit_log_stores_it()
    {
        var back = (PullRequest)RoundTrip(new PullRequest(1, "G", "T", 0, 0, 1, "bad\uD800tag", 0));
        Assert.Equal("bad\uFFFDtag", back.FilterExpression);
    }

    [Property(MaxTest = 500)]
    public Property Any_message_round_trips() =>
        Prop.ForAll(WireGenerators.Message.ToArbitrary(), message => AssertRoundTrips(message));

    // Bindings -------------------------------------------------------------------------------------------------

    [Fact]
    public void The_actor_system_picks_the_wire_serializer_for_hot_path_messages_and_hyperion_for_the_rest()
    {
        foreach (var message in Samples())
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);
            Assert.IsType<RocketWireSerializer>(serializer);
            Assert.Equal(RocketWireSerializer.WireIdentifier, serializer.Identifier);
        }
        var commit = new CommitOffsets("GroupA", [new QueueOffset("TopicA", 0, 10)]);
        Assert.IsType<HyperionSerializer>(Sys.Serialization.FindSerializerFor(commit));
    }

    [Fact]
    public void Every_hot_path_type_in_Rocket_has_a_manifest()
    {
        var wireTypes = typeof(IRocketWire).Assembly.GetTypes()
            .Where(t => typeof(IRocketWire).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false });
        var manifests = Samples().DistinctBy(m => m.GetType()).ToDictionary(m => m.GetType(), m => Wire.Manifest(m));
        Assert.All(wireTypes, t => Assert.True(manifests.ContainsKey(t), $"{t} has no sample, so maybe no codec"));
        Assert.Equal(manifests.Count, manifests.Values.Distinct().Count());
    }

    [Fact]
    public void The_identifier_is_outside_the_range_Akka_reserves()
    {
        Assert.True(Wire.Identifier > 40);
    }

    [Fact]
    public void Remote_frames_hold_a_largest_message_and_a_full_pull_batch()
    {
        var config = Sys.Settings.Config;
        long frame = config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size")!.Value;
        long largestMessage = config.GetByteSize("rocket.store.max-message-size")!.Value;
        long pullBytes = config.GetByteSize("rocket.broker.max-pull-bytes")!.Value;
        Assert.True(frame >= largestMessage + 64 * 1024, $"frame {frame} vs message {largestMessage}");
        Assert.True(frame >= pullBytes * 2, $"frame {frame} vs pull {pullBytes}");
        Assert.Equal(frame, config.GetByteSize("akka.remote.dot-netty.tcp.send-buffer-size"));
        Assert.Equal(frame, config.GetByteSize("akka.remote.dot-netty.tcp.receive-buffer-size"));
    }

    // Bad input ------------------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(SampleIndexes))]
    public void A_payload_cut_short_at_any_length_is_a_serialization_error(int index)
    {
        var message = Samples().ElementAt(index);
        var bytes = Wire.ToBinary(message);
        var manifest = Wire.Manifest(message);
        for (int length = 0; length < bytes.Length; length++)
        {
            var cut = bytes.AsSpan(0, length).ToArray();
            var error = Assert.Throws<SerializationException>(() => Wire.FromBinary(cut, manifest));
            Assert.Contains(manifest, error.Message);
        }
    }

    [Property(MaxTest = 300)]
    public Property A_corrupted_payload_decodes_to_something_or_is_a_serialization_error() =>
        Prop.ForAll(WireGenerators.Message.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(),
            Gen.Choose(1, 255).ToArbitrary(), (message, position, xor) =>
            {
                var bytes = Wire.ToBinary(message);
                bytes[position % bytes.Length] ^= (byte)xor;
                try
                {
                    Wire.FromBinary(bytes, Wire.Manifest(message));
                }
                catch (SerializationException)
                {
                }
            });

    [Fact]
    public void Trailing_bytes_are_a_serialization_error()
    {
        var bytes = Wire.ToBinary(new PullRequest(1, "G", "T", 0, 0, 1, null, 0)).Append((byte)0).ToArray();
        var error = Assert.Throws<SerializationException>(() => Wire.FromBinary(bytes, RocketWireSerializer.PullRequestManifest));
        Assert.Contains("trailing", error.Message);
    }

    [Fact]
    public void A_count_larger_than_the_payload_fails_before_allocating()
    {
        byte[] bytes = [2, 0xFF, 0xFF, 0xFF, 0xFF, 0x07]; // request id 1, then a count of about 2^31
        var error = Assert.Throws<SerializationException>(() => Wire.FromBinary(bytes, RocketWireSerializer.ProduceRequestManifest));
        Assert.Contains("message count", error.Message);
    }

    [Fact]
    public void A_varint_longer_than_64_bits_is_a_serialization_error()
    {
        var bytes = Enumerable.Repeat((byte)0xFF, 10).Append((byte)0x01).ToArray();
        Assert.Throws<SerializationException>(() => Wire.FromBinary(bytes, RocketWireSerializer.PullRequestManifest));
    }

    [Fact]
    public void A_queue_id_beyond_int_range_is_a_serialization_error()
    {
        var bytes = Wire.ToBinary(new PullRequest(1, "G", "T", 0, 0, 1, null, 0));
        // Rebuild with queue id = 2^40: request id, "G", "T", then the varint for ZigZag(2^40).
        var sizer = new List<byte> { 2, 2, (byte)'G', 2, (byte)'T' };
        ulong zigzag = 1UL << 41;
        while (zigzag >= 0x80) { sizer.Add((byte)(zigzag | 0x80)); zigzag >>= 7; }
        sizer.Add((byte)zigzag);
        sizer.AddRange(bytes.AsSpan(6).ToArray()); // the rest after the one-byte queue id
        var error = Assert.Throws<SerializationException>(() => Wire.FromBinary(sizer.ToArray(), RocketWireSerializer.PullRequestManifest));
        Assert.Contains("queue id", error.Message);
    }

    [Fact]
    public void Invalid_utf8_is_a_serialization_error()
    {
        byte[] bytes = [2, 3, 0xC3, 0x28]; // request id 1, group of 2 bytes: an invalid two-byte sequence
        var error = Assert.Throws<SerializationException>(() => Wire.FromBinary(bytes, RocketWireSerializer.PullRequestManifest));
        Assert.Contains("UTF-8", error.Message);
    }

    [Fact]
    public void An_unknown_manifest_is_a_serialization_error_naming_it()
    {
        var error = Assert.Throws<SerializationException>(() => Wire.FromBinary([0], "ZZ"));
        Assert.Contains("'ZZ'", error.Message);
    }

    [Fact]
    public void A_null_item_or_a_foreign_type_cannot_be_serialized()
    {
        var error = Assert.Throws<SerializationException>(() => Wire.ToBinary(new ProduceRequest(1, [null!])));
        Assert.Contains("Messages[0]", error.Message);
        Assert.Throws<SerializationException>(() => Wire.ToBinary(new CommitOffsets("G", [])));
        Assert.Throws<SerializationException>(() => Wire.Manifest("text"));
    }
}
