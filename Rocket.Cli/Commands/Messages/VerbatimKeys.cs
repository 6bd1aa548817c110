using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rocket.Cli.Commands.Messages;

/// <summary>
/// Writes a string map as a JSON object with its keys exactly as they are: message property names (TAGS, UNIQ_KEY,
/// user names) are data, not field names, so the tool's snake_case key policy must not rename them.
/// </summary>
public sealed class VerbatimKeys : JsonConverter<SortedDictionary<string, string>>
{
    public override SortedDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(JsonSerializer.Deserialize<Dictionary<string, string>>(ref reader) ?? [], StringComparer.Ordinal);

    public override void Write(Utf8JsonWriter writer, SortedDictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (name, text) in value) writer.WriteString(name, text);
        writer.WriteEndObject();
    }
}
