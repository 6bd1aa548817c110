using System.Text.Json;
using Rocket.Protocol;

namespace Rocket.Broker.Metadata.Backup;

/// <summary>
/// <c>backup/consumerOffset.json</c>: every group's next offset per queue, laid out like RocketMQ's
/// <c>consumerOffset.json</c>: <c>{"dataVersion":{…},"offsetTable":{"Topic@Group":{"0":12,"1":20}}}</c>
/// (topic and group names cannot hold '@').
/// </summary>
public sealed record OffsetsBackup(GroupQueueOffset[] Offsets, DateTimeOffset WrittenAt) : IBackupContent
{
    public const string FileName = "consumerOffset.json";

    public byte[] ToJson(long counter) => BackupJson.Document(WrittenAt, counter, "offsetTable", w =>
    {
        foreach (var queues in Offsets.GroupBy(o => (o.Topic, o.Group)).OrderBy(g => g.Key.Topic, StringComparer.Ordinal).ThenBy(g => g.Key.Group, StringComparer.Ordinal))
        {
            w.WriteStartObject($"{queues.Key.Topic}@{queues.Key.Group}");
            foreach (var o in queues.OrderBy(o => o.QueueId)) w.WriteNumber(o.QueueId.ToString(System.Globalization.CultureInfo.InvariantCulture), o.Offset);
            w.WriteEndObject();
        }
    });

    /// <summary>Strict: names must be valid, queue ids and offsets whole numbers ≥ 0, or the file counts as damaged.</summary>
    public static OffsetsBackup FromJson(byte[] json)
    {
        var root = BackupJson.Parse(json);
        var offsets = new List<GroupQueueOffset>();
        foreach (var entry in BackupJson.Object(root, "offsetTable").EnumerateObject())
        {
            int at = entry.Name.IndexOf('@');
            if (at < 0) throw new BackupFormatException($"offset table key '{entry.Name}' is not Topic@Group");
            string topic = entry.Name[..at], group = entry.Name[(at + 1)..];
            if ((ResourceNames.CheckTopic(topic) ?? ResourceNames.CheckGroup(group)) is { } nameError) throw new BackupFormatException(nameError);
            if (entry.Value.ValueKind != JsonValueKind.Object) throw new BackupFormatException($"'{entry.Name}' is not an object");
            foreach (var queue in entry.Value.EnumerateObject())
            {
                if (!int.TryParse(queue.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int queueId))
                    throw new BackupFormatException($"'{entry.Name}' has queue id '{queue.Name}', not a whole number ≥ 0");
                long offset = BackupJson.Long(queue.Value, $"'{entry.Name}' queue {queueId} offset");
                if (offset < 0) throw new BackupFormatException($"'{entry.Name}' queue {queueId} has offset {offset} < 0");
                offsets.Add(new GroupQueueOffset(group, topic, queueId, offset));
            }
        }
        return new OffsetsBackup(offsets.ToArray(), BackupJson.Timestamp(root));
    }
}
