using System.Runtime.Serialization;

namespace Rocket.Serialization;

/// <summary>
/// Sender-side failures. SerializationException because Akka.Remote drops (and logs) a message that fails to
/// serialize but keeps the association up; other exceptions would tear the connection down.
/// </summary>
internal static class WireErrors
{
    public static SerializationException NullItem(string message, string array, int index) =>
        new($"{message}.{array}[{index}] is null; the Rocket wire format has no null items");

    public static SerializationException Unsupported(object? message) =>
        new($"RocketWireSerializer cannot serialize {message?.GetType().FullName ?? "null"}; " +
            "every IRocketWire type needs a codec in RocketWireSerializer");

    public static SerializationException TooLarge(string manifest, long size) =>
        new($"Rocket wire '{manifest}' message needs {size} bytes, more than a byte[] can hold");
}
