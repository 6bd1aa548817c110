using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Client;
using Rocket.Client.Producing;
using Rocket.Protocol;
using Xunit;

namespace Rocket.Tests.Client;

/// <summary>
/// The send path's exact-size encoder gives the string the general encoder gave over the same pairs in the same order
/// (system, TAGS, KEYS, UNIQ_KEY, DELAY, user, TIMER_DELIVER_MS), the same errors, and decodes back to the same properties.
/// </summary>
public sealed class PropertiesEncoderTests
{
    private static readonly Gen<string> TextGen =
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null).Select(s => s.Replace("\u0001", "").Replace("\u0002", ""));

    private static readonly Gen<Message> MessageGen =
        from tags in TextGen.Where(t => !string.IsNullOrWhiteSpace(t)).OrNull()
        from keys in TextGen.OrNull()
        from delay in Gen.Choose(-1, 18)
        from user in Gen.Zip(TextGen.Where(n => !string.IsNullOrWhiteSpace(n)), TextGen).ListOf()
        from deliverAt in Gen.Choose(0, 3).Select(d => d == 0 ? (DateTimeOffset?)DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000L + d) : null)
        select Build(tags, keys, delay, user, deliverAt);

    private static Message Build(string? tags, string? keys, int delay, IEnumerable<(string, string)> user, DateTimeOffset? deliverAt)
    {
        var message = new Message("T", [1]) { Tags = tags, Keys = keys, DelayLevel = delay < 0 ? null : delay, DeliverAt = deliverAt };
        foreach (var (name, value) in user) message.Properties[name] = value;
        return message;
    }

    /// <summary>What the send path built before: a list of the pairs through <see cref="MessageProperties.Encode"/>.</summary>
    private static string GeneralEncoding(Message message, string uniqueKey, KeyValuePair<string, string>[]? system)
    {
        var all = new List<KeyValuePair<string, string>>();
        if (system is not null) all.AddRange(system);
        if (message.Tags is not null) all.Add(new(MessageProperties.Tags, message.Tags));
        if (!string.IsNullOrWhiteSpace(message.Keys)) all.Add(new(MessageProperties.Keys, message.Keys));
        all.Add(new(MessageProperties.UniqueKey, uniqueKey));
        if (message.DelayLevel is int level and > 0) all.Add(new(MessageProperties.DelayLevel, level.ToString(CultureInfo.InvariantCulture)));
        all.AddRange(message.Properties);
        if (message.DeliverAt is { } at) all.Add(new(UnsupportedFeatures.TimerDeliverMs, at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
        return MessageProperties.Encode(all);
    }

    [Property(MaxTest = 300)]
    public Property Encodes_what_the_general_encoder_encodes_and_decodes_back() =>
        Prop.ForAll(MessageGen.ToArbitrary(), ArbMap.Default.GeneratorFor<bool>().ToArbitrary(), (message, transactional) =>
        {
            KeyValuePair<string, string>[]? system = transactional ? [new(MessageProperties.TransactionPrepared, "true"), new(MessageProperties.ProducerGroup, "G")] : null;
            var encoded = PropertiesEncoder.Encode(message, "0123456789ABCDEF0123456789ABCDEF", system);
            Assert.Equal(GeneralEncoding(message, "0123456789ABCDEF0123456789ABCDEF", system), encoded);
            var decoded = MessageProperties.Decode(encoded);
            Assert.Equal("0123456789ABCDEF0123456789ABCDEF", decoded[MessageProperties.UniqueKey]);
            foreach (var (name, value) in message.Properties) Assert.Equal(value, decoded[name]);
        });

    [Fact]
    public void A_message_without_properties_gets_its_unique_key_and_tag_only()
    {
        var message = new Message("T", [1]) { Tags = "TagA" };
        Assert.Equal("TAGS\u0001TagA\u0002UNIQ_KEY\u0001ID\u0002", PropertiesEncoder.Encode(message, "ID", null));
        Assert.Null(message.UserProperties); // nothing asked for the dictionary, so none was made
    }

    [Theory]
    [InlineData("a\u0001b", "v")]
    [InlineData("name", "v\u0002w")]
    public void A_separator_is_refused_naming_the_property_as_before(string name, string value)
    {
        var message = new Message("T", [1]);
        message.Properties[name] = value;
        var error = Assert.Throws<RocketClientException>(() => PropertiesEncoder.Encode(message, "ID", null));
        Assert.Equal($"message property '{name}' contains a reserved separator character (\\u0001 or \\u0002)", error.Message);
    }

    [Fact]
    public void A_tag_with_a_separator_is_refused_too()
    {
        var error = Assert.Throws<RocketClientException>(() => PropertiesEncoder.Encode(new Message("T", [1]) { Tags = "a\u0002b" }, "ID", null));
        Assert.Contains("'TAGS' contains a reserved separator", error.Message);
    }

    [Theory]
    [InlineData('a', 40_000, 40_018)] // name, value and UNIQ_KEY=ID with separators: one byte per char
    [InlineData('é', 16_380, 32_778)] // fewer chars than the limit, two bytes each: more bytes than it
    public void Properties_above_the_limit_are_refused_with_their_size_in_bytes(char fill, int count, int expectedBytes)
    {
        var message = new Message("T", [1]);
        message.Properties["name"] = new string(fill, count);
        var error = Assert.Throws<RocketClientException>(() => PropertiesEncoder.Encode(message, "ID", null));
        Assert.Equal($"message properties encode to {expectedBytes} bytes; the limit is {MessageProperties.MaxEncodedBytes}", error.Message);
    }

    [Fact]
    public void Decode_skips_nameless_pairs_and_keeps_the_last_of_a_repeated_name_as_GetLast_does()
    {
        const string encoded = "\u0001x\u0002A\u00011\u0002\u0002B\u0001\u0002A\u00012\u0001z\u0002noseparator";
        var decoded = MessageProperties.Decode(encoded);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "2\u0001z", ["B"] = "" }, decoded);
        Assert.Equal("2\u0001z", MessageProperties.GetLast(encoded, "A"));
        Assert.Equal("", MessageProperties.GetLast(encoded, "B"));
        Assert.Null(MessageProperties.GetLast(encoded, "noseparator"));
        Assert.Null(MessageProperties.GetLast(encoded, "C"));
    }
}
