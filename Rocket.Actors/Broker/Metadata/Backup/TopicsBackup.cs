using System.Text.Json;
using Rocket.Protocol;

namespace Rocket.Broker.Metadata.Backup;

/// <summary>
/// <c>backup/topics.json</c>: the topic table, laid out like RocketMQ's <c>topics.json</c> so an operator can read it:
/// <c>{"dataVersion":{…},"topicConfigTable":{"T":{"topicName":"T","readQueueNums":8,"writeQueueNums":8,"perm":6}}}</c>.
/// </summary>
public sealed record TopicsBackup(TopicConfig[] Topics, DateTimeOffset WrittenAt) : IBackupContent
{
    public const string FileName = "topics.json";

    public byte[] ToJson(long counter) => BackupJson.Document(WrittenAt, counter, "topicConfigTable", w =>
    {
        foreach (var t in Topics.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            w.WriteStartObject(t.Name);
            w.WriteString("topicName", t.Name);
            w.WriteNumber("readQueueNums", t.ReadQueues);
            w.WriteNumber("writeQueueNums", t.WriteQueues);
            w.WriteNumber("perm", (int)t.Perm);
            w.WriteEndObject();
        }
    });

    /// <summary>Strict: every topic must pass <see cref="TopicRules"/>, or the file counts as damaged.</summary>
    public static TopicsBackup FromJson(byte[] json)
    {
        var root = BackupJson.Parse(json);
        var topics = new List<TopicConfig>();
        foreach (var entry in BackupJson.Object(root, "topicConfigTable").EnumerateObject())
        {
            var t = entry.Value;
            if (t.ValueKind != JsonValueKind.Object) throw new BackupFormatException($"topic '{entry.Name}' is not an object");
            var topic = new TopicConfig(entry.Name,
                BackupJson.Int(BackupJson.Property(t, "readQueueNums"), $"topic '{entry.Name}' readQueueNums"),
                BackupJson.Int(BackupJson.Property(t, "writeQueueNums"), $"topic '{entry.Name}' writeQueueNums"),
                (TopicPerm)BackupJson.Int(BackupJson.Property(t, "perm"), $"topic '{entry.Name}' perm"));
            if (TopicRules.Check(topic) is { } error) throw new BackupFormatException(error);
            topics.Add(topic);
        }
        return new TopicsBackup(topics.ToArray(), BackupJson.Timestamp(root));
    }
}
