using System.Text.Json;

namespace Rocket.Broker.Metadata.Backup;

/// <summary>Shared pieces of the backup files' JSON: RocketMQ's <c>dataVersion</c> header and strict readers.</summary>
internal static class BackupJson
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    /// <summary>
    /// A whole backup file, RocketMQ's layout: <c>{"dataVersion":{…},"&lt;table&gt;":{ entries }}</c>;
    /// <paramref name="writeEntries"/> writes the table's entries.
    /// </summary>
    public static byte[] Document(DateTimeOffset writtenAt, long counter, string table, Action<Utf8JsonWriter> writeEntries)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartObject();
            WriteDataVersion(w, writtenAt, counter);
            w.WriteStartObject(table);
            writeEntries(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>RocketMQ's <c>dataVersion</c>: when the file was written (Unix ms) and a counter of writes.</summary>
    private static void WriteDataVersion(Utf8JsonWriter w, DateTimeOffset writtenAt, long counter)
    {
        w.WriteStartObject("dataVersion");
        w.WriteNumber("timestamp", writtenAt.ToUnixTimeMilliseconds());
        w.WriteNumber("counter", counter);
        w.WriteEndObject();
    }

    public static JsonElement Parse(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new BackupFormatException($"not valid JSON ({e.Message})");
        }
    }

    public static JsonElement Object(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Object)
            throw new BackupFormatException($"'{name}' is missing or not an object");
        return value;
    }

    /// <summary>A property that must be there; JSON's own exception would not say which.</summary>
    public static JsonElement Property(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value
            : throw new BackupFormatException($"'{name}' is missing");

    public static long Long(JsonElement value, string what) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long v) ? v
            : throw new BackupFormatException($"{what} is not a whole number");

    public static int Int(JsonElement value, string what) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int v) ? v
            : throw new BackupFormatException($"{what} is not a whole number");

    public static DateTimeOffset Timestamp(JsonElement root) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Long(Property(Object(root, "dataVersion"), "timestamp"), "dataVersion.timestamp"));
}
