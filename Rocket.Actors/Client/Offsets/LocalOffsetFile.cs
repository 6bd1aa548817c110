using System.Text;
using System.Text.Json;
using Rocket.Protocol;

namespace Rocket.Client.Offsets;

/// <summary>
/// The file a broadcasting consumer keeps its offsets in (RocketMQ's LocalFileOffsetStore): JSON
/// <c>{"offsetTable":[{"topic":…,"brokerName":…,"queueId":…,"offset":…}]}</c>. Written atomically (temp file, fsync,
/// rename) with the previous version kept as <c>offsets.json.bak</c>; read back from the backup when the main file is
/// damaged or missing, and never taken as "no offsets" when both are damaged.
/// </summary>
public static class LocalOffsetFile
{
    public const string FileName = "offsets.json";

    public static string BackupOf(string path) => path + ".bak";

    /// <summary>Serialises the table, queues in a stable order.</summary>
    public static byte[] Format(IReadOnlyDictionary<MessageQueue, long> offsets)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("offsetTable");
            foreach (var (queue, offset) in offsets.OrderBy(kv => kv.Key.Topic, StringComparer.Ordinal)
                         .ThenBy(kv => kv.Key.BrokerName, StringComparer.Ordinal).ThenBy(kv => kv.Key.QueueId))
            {
                json.WriteStartObject();
                json.WriteString("topic", queue.Topic);
                json.WriteString("brokerName", queue.BrokerName);
                json.WriteNumber("queueId", queue.QueueId);
                json.WriteNumber("offset", offset);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Parses a table; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static Dictionary<MessageQueue, long> Parse(ReadOnlySpan<byte> content)
    {
        var offsets = new Dictionary<MessageQueue, long>();
        try
        {
            var reader = new Utf8JsonReader(content);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("offsetTable", out var table)
                || table.ValueKind != JsonValueKind.Array)
                throw new FormatException("no \"offsetTable\" array at the top level");
            int index = 0;
            foreach (var entry in table.EnumerateArray())
            {
                string topic = Text(entry, "topic", index), broker = Text(entry, "brokerName", index);
                int queueId = (int)Number(entry, "queueId", index, 0, int.MaxValue);
                long offset = Number(entry, "offset", index, 0, long.MaxValue);
                if (!offsets.TryAdd(new MessageQueue(topic, broker, queueId), offset))
                    throw new FormatException($"entry {index}: queue {topic}/{broker}/{queueId} appears twice");
                index++;
            }
        }
        catch (JsonException e) { throw new FormatException($"not valid JSON: {e.Message}", e); }
        return offsets;
    }

    private static string Text(JsonElement entry, string name, int index) =>
        entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s : throw new FormatException($"entry {index}: \"{name}\" is missing or not a non-empty string");

    private static long Number(JsonElement entry, string name, int index, long min, long max) =>
        entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            && v.TryGetInt64(out var n) && n >= min && n <= max
            ? n : throw new FormatException($"entry {index}: \"{name}\" is missing or not a whole number in [{min}, {max}]");

    /// <summary>
    /// Writes the table: new content to <c>path.tmp</c> and fsynced, the current file renamed to <c>path.bak</c>, then the
    /// temp file renamed to <c>path</c>. A crash at any point leaves a readable main file or a readable backup.
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<MessageQueue, long> offsets)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Format(offsets));
            stream.Flush(flushToDisk: true);
        }
        if (File.Exists(path)) File.Move(path, BackupOf(path), overwrite: true);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>What <see cref="Read"/> found.</summary>
    /// <param name="Warning">Set when the backup was used: which file was bad and why.</param>
    public sealed record ReadResult(Dictionary<MessageQueue, long> Offsets, string? Warning);

    /// <summary>
    /// Reads the table: the main file, else (damaged or missing) its backup with a warning; neither file: empty (a
    /// first start). Throws <see cref="LocalOffsetStoreException"/> naming both files when both exist and are damaged,
    /// or when only a damaged main file exists.
    /// </summary>
    public static ReadResult Read(string path)
    {
        var backup = BackupOf(path);
        string? mainProblem = null;
        if (File.Exists(path))
        {
            try { return new ReadResult(Parse(File.ReadAllBytes(path)), null); }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException) { mainProblem = e.Message; }
        }
        if (!File.Exists(backup))
        {
            if (mainProblem is null) return new ReadResult(new Dictionary<MessageQueue, long>(), null);
            throw new LocalOffsetStoreException(
                $"the local offset file {path} is damaged ({mainProblem}) and there is no backup {backup}; " +
                "fix or delete it (deleting restarts this broadcasting consumer from its consume-from policy)");
        }
        try
        {
            var offsets = Parse(File.ReadAllBytes(backup));
            string what = mainProblem is null ? $"the local offset file {path} is missing" : $"the local offset file {path} is damaged ({mainProblem})";
            return new ReadResult(offsets, $"{what}; using its backup {backup}");
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new LocalOffsetStoreException(
                $"both local offset files are unusable: {path} ({mainProblem ?? "missing"}) and {backup} ({e.Message}); " +
                "fix or delete them (deleting restarts this broadcasting consumer from its consume-from policy)");
        }
    }
}

/// <summary>A broadcasting consumer's local offsets cannot be read.</summary>
public sealed class LocalOffsetStoreException(string message) : RocketClientException(message);
