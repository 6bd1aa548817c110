using System.Net;
using System.Text;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Store.Log;

namespace Rocket.Tests.Support;

/// <summary>Builders for messages and small-file store settings used across the store tests.</summary>
public static class TestMessages
{
    public static MessageToStore Message(string topic = "TopicA", int queueId = 0, string body = "hello",
        string? tags = null, string? keys = null, string? uniqueKey = null)
    {
        var properties = new List<KeyValuePair<string, string>>();
        if (tags is not null) properties.Add(new(MessageProperties.Tags, tags));
        if (keys is not null) properties.Add(new(MessageProperties.Keys, keys));
        if (uniqueKey is not null) properties.Add(new(MessageProperties.UniqueKey, uniqueKey));
        return new MessageToStore(topic, queueId, Encoding.UTF8.GetBytes(body),
            properties.Count == 0 ? null : MessageProperties.Encode(properties),
            BornTimestamp: 1_700_000_000_000, BornHost: new IPEndPoint(IPAddress.Loopback, 4242));
    }

    /// <summary>Small segments so tests roll files quickly.</summary>
    public static StoreSettings SmallStore(string directory, int segmentSize = 64 * 1024, FlushDiskType flush = FlushDiskType.AsyncFlush) =>
        new()
        {
            Directory = directory,
            CommitLogSegmentSize = segmentSize,
            ConsumeQueueFileSize = 20 * 64,
            MaxHashSlotNum = 64,
            MaxIndexNum = 256,
            FlushDiskType = flush,
            FlushInterval = TimeSpan.FromMilliseconds(20),
            FlushConsumeQueueInterval = TimeSpan.FromMilliseconds(50),
        };

    /// <summary>Appends and asserts every message was accepted.</summary>
    public static AppendResult[] AppendAll(this MessageStore store, params MessageToStore[] messages)
    {
        var results = new AppendResult[messages.Length];
        store.Append(messages, results);
        foreach (var r in results)
            if (!r.IsOk) throw new InvalidOperationException($"append failed: {r.Status} {r.Error}");
        return results;
    }
}
