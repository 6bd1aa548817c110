using System.Net;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Broker;
using Rocket.Broker.Pull;
using Rocket.DataChannel;
using Rocket.Protocol;
using Rocket.Protocol.Filtering;
using Rocket.Serialization;
using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Tests.Support;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Broker.Pull;

/// <summary>
/// A pull answered over the data channel is written from the mapped records straight into its wire form
/// (<see cref="PulledMessageEncoder"/>). Its frame must be, byte for byte, the frame of the same answer built from
/// decoded messages (<see cref="PulledMessageList"/>, <see cref="PullResponseCodec.Write{TSink}"/>), whatever the
/// bodies, properties (none, non-ASCII), born hosts, flags, offsets and batch limits.
/// </summary>
public class EncodedPullAnswerTests
{
    public sealed record StoredCase(int Seed, int Count, int From, int MaxCount, int MaxBytes)
    {
        public override string ToString() => $"seed {Seed}, {Count} messages, read from {From}, max {MaxCount} messages / {MaxBytes} bytes";
    }

    private static readonly Gen<StoredCase> CaseGen =
        from seed in Gen.Choose(0, 1_000_000)
        from count in Gen.Choose(1, 60)
        from start in Gen.Choose(0, 59)
        from maxCount in Gen.Choose(1, 40)
        from maxBytes in Gen.Elements(1, 2_000, 20_000, 256 * 1024)
        select new StoredCase(seed, count, Math.Min(start, count - 1), maxCount, maxBytes);

    [Property(MaxTest = 60)]
    public Property The_encoded_frame_is_the_decoded_answers_frame() =>
        Prop.ForAll(CaseGen.ToArbitrary(), c =>
        {
            using var dir = new TempDirectory("encoded-pull");
            using var store = MessageStore.Open(SmallStore(dir.Path, segmentSize: 256 * 1024));
            var random = new Random(c.Seed);
            for (int i = 0; i < c.Count; i++) store.AppendAll(RandomMessage(random));
            store.Project(store.ProjectionLimit);

            var (decoded, encoded) = ReadBoth(store, PullFilter.All, c.From, c.MaxCount, c.MaxBytes);
            Assert.True(encoded.Count > 0);
            Assert.Equal(decoded.Messages.Length, encoded.Count);
            Assert.Equal(Frame(decoded), Frame(encoded));

            var back = Assert.IsType<PullResponse>(DataFrames.Read(Frame(encoded).AsSpan(DataFrames.LengthSize), new NameCache()));
            Assert.Equal(decoded.NextOffset, back.NextOffset);
            for (int i = 0; i < back.Messages.Length; i++)
            {
                Assert.Equal(decoded.Messages[i].Body, back.Messages[i].Body);
                Assert.Equal(decoded.Messages[i] with { Body = [] }, back.Messages[i] with { Body = [] });
            }
        });

    [Fact]
    public void A_tag_whose_hash_passed_but_whose_text_differs_is_skipped_and_takes_no_room()
    {
        using var dir = new TempDirectory("encoded-pull-tags");
        using var store = MessageStore.Open(SmallStore(dir.Path));
        store.AppendAll(Message(tags: "B", body: "1"), Message(tags: "A", body: "2"), Message(tags: "B", body: "3"), Message(tags: "A", body: "4"));
        store.Project(store.ProjectionLimit);
        var filter = PullFilter.Compile(FilterType.Tag, "A", new BrokerSettings());

        // Every tag code passes, as when hashes collide: the exact check in the sinks decides.
        var encoder = new PulledMessageEncoder(filter);
        var read = store.ReadQueue("TopicA", 0, 0, 1, 256 * 1024, _ => true, null, ref encoder);
        Assert.Equal((GetMessageStatus.Found, 1, 2L), (read.Status, read.Count, read.NextBeginOffset));
        var answer = encoder.Finish(new PullResponse(1, PullStatus.Found, "TopicA", 0, read.NextBeginOffset, read.MinOffset, read.MaxOffset, []));
        var back = Assert.IsType<PullResponse>(DataFrames.Read(Frame(answer).AsSpan(DataFrames.LengthSize), new NameCache()));
        Assert.Equal(["2"], back.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));

        var list = new PulledMessageList(filter);
        var all = store.ReadQueue("TopicA", 0, 0, 32, 256 * 1024, _ => true, null, ref list);
        Assert.Equal(["2", "4"], list.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
        Assert.Equal(4, all.NextBeginOffset);

        var none = new PulledMessageEncoder(PullFilter.Compile(FilterType.Tag, "C", new BrokerSettings()));
        var nothing = store.ReadQueue("TopicA", 0, 0, 32, 256 * 1024, _ => true, null, ref none);
        Assert.Equal((GetMessageStatus.NoMatchedMessage, 0, 4L), (nothing.Status, none.Count, nothing.NextBeginOffset));
        none.Abandon();
    }

    [Fact]
    public void Once_written_its_buffer_goes_back_to_the_pool_and_the_answer_cannot_be_written_again()
    {
        using var dir = new TempDirectory("encoded-pull-release");
        using var store = MessageStore.Open(SmallStore(dir.Path));
        store.AppendAll(Message(body: "only"));
        store.Project(store.ProjectionLimit);
        var (_, encoded) = ReadBoth(store, PullFilter.All, 0, 32, 256 * 1024);
        _ = Frame(encoded);
        encoded.Release();
        encoded.Release(); // once only: a second release returns nothing twice
        var error = Assert.Throws<ObjectDisposedException>(() => DataFrames.SizeOf(encoded));
        Assert.Contains("back to the pool", error.Message);
    }

    private static (PullResponse Decoded, EncodedPullResponse Encoded) ReadBoth(MessageStore store, PullFilter filter, long from, int maxCount, int maxBytes)
    {
        var list = new PulledMessageList(filter);
        var read = store.ReadQueue("TopicA", 0, from, maxCount, maxBytes, filter.TagCodes, filter.Properties, ref list);
        var encoder = new PulledMessageEncoder(filter);
        var again = store.ReadQueue("TopicA", 0, from, maxCount, maxBytes, filter.TagCodes, filter.Properties, ref encoder);
        Assert.Equal(read, again);
        var head = new PullResponse(7, PullStatus.Found, "TopicA", 0, read.NextBeginOffset, read.MinOffset, read.MaxOffset, [], SuggestBrokerId: 1);
        return (head with { Messages = [.. list.Messages] }, encoder.Finish(head));
    }

    private static byte[] Frame(object message)
    {
        var frame = new byte[DataFrames.SizeOf(message)];
        DataFrames.Write(message, frame);
        return frame;
    }

    private static MessageToStore RandomMessage(Random random)
    {
        var body = new byte[random.Next(4) == 0 ? 1 : random.Next(1, 3_000)]; // a store refuses an empty body
        random.NextBytes(body);
        var properties = new List<KeyValuePair<string, string>>();
        if (random.Next(3) > 0) properties.Add(new(MessageProperties.Tags, "Tag" + random.Next(5)));
        if (random.Next(2) > 0) properties.Add(new("note", random.Next(2) == 0 ? "plain" : "größe ✓ 東京 " + random.Next()));
        IPEndPoint? bornHost = random.Next(3) switch
        {
            0 => null,
            1 => new IPEndPoint(IPAddress.Loopback, random.Next(1, 65_535)),
            _ => new IPEndPoint(IPAddress.IPv6Loopback, random.Next(1, 65_535)),
        };
        return new MessageToStore("TopicA", 0, body, properties.Count == 0 ? null : MessageProperties.Encode(properties),
            Flag: random.Next(int.MinValue, int.MaxValue), BornTimestamp: random.NextInt64(0, 2_000_000_000_000), BornHost: bornHost,
            ReconsumeTimes: random.Next(0, 17));
    }
}
