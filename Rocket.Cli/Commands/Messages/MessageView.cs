using System.Text;
using Rocket.Client;
using Rocket.Protocol;

namespace Rocket.Cli.Commands.Messages;

/// <summary>
/// A found message as <c>rocket message</c> prints it: every header RocketMQ's admin shows, the properties, and the body
/// as text when it is valid UTF-8 (<c>body_encoding</c> "utf8") or else as hex ("hex").
/// </summary>
public sealed record MessageView(
    string Broker, string BrokerAddress, string? OffsetMsgId, string? MsgId, string Topic, int QueueId, long QueueOffset,
    long PhysicalOffset, DateTimeOffset BornTime, DateTimeOffset StoreTime, string? BornHost, int ReconsumeTimes, int Flag,
    int SysFlag, int StoreSize, [property: System.Text.Json.Serialization.JsonConverter(typeof(VerbatimKeys))] SortedDictionary<string, string> Properties, int BodyBytes, string BodyEncoding, string Body)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static MessageView Of(QueriedMessage found)
    {
        var m = found.Message;
        var (encoding, body) = RenderBody(m.Body);
        return new MessageView(found.BrokerName, found.BrokerAddress, found.OffsetMessageId, found.UniqueKey, m.Topic, m.QueueId,
            m.QueueOffset, m.PhysicalOffset, DateTimeOffset.FromUnixTimeMilliseconds(m.BornTimestamp),
            DateTimeOffset.FromUnixTimeMilliseconds(m.StoreTimestamp), m.BornHost, m.ReconsumeTimes, m.Flag, m.SysFlag, m.StoreSize,
            new SortedDictionary<string, string>(MessageProperties.Decode(m.Properties), StringComparer.Ordinal), m.Body.Length, encoding, body);
    }

    /// <summary>Text when the bytes are valid UTF-8 without control characters other than tab and line breaks; else hex.</summary>
    public static (string Encoding, string Body) RenderBody(byte[] body)
    {
        try
        {
            string text = StrictUtf8.GetString(body);
            if (!text.Any(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r'))) return ("utf8", text);
        }
        catch (DecoderFallbackException) { }
        return ("hex", Convert.ToHexString(body));
    }

    public void WriteTo(TextWriter output)
    {
        void Line(string name, object? value) => output.WriteLine($"{name,-18} {value}");
        Line("topic", Topic);
        Line("broker", $"{Broker} ({BrokerAddress})");
        Line("msg id", MsgId ?? "(none)");
        Line("offset msg id", OffsetMsgId ?? "(broker host has no address)");
        Line("queue", QueueId);
        Line("queue offset", QueueOffset);
        Line("physical offset", PhysicalOffset);
        Line("born time", $"{BornTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} from {BornHost ?? "?"}");
        Line("store time", $"{StoreTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}");
        Line("reconsume times", ReconsumeTimes);
        Line("flag", Flag);
        Line("sys flag", SysFlag);
        Line("store size", StoreSize);
        output.WriteLine("properties");
        foreach (var (name, value) in Properties) output.WriteLine($"  {name} = {value}");
        output.WriteLine($"body ({BodyBytes} bytes, {BodyEncoding})");
        output.WriteLine(Body);
    }
}
