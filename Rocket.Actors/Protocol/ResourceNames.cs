using System.Buffers;
using System.Runtime.CompilerServices;

namespace Rocket.Protocol;

/// <summary>
/// The one naming rule for topics and groups, shared by client, broker and store (RocketMQ's: characters
/// [%|a-zA-Z0-9_-]; topics at most 127 characters, which the commit log's one-byte topic length holds; groups at
/// most 255). Each check returns null for a valid name, else the reason, so every caller reports the same words.
/// </summary>
public static class ResourceNames
{
    public const int MaxTopicLength = 127;
    public const int MaxGroupLength = 255;

    private static readonly SearchValues<char> AllowedChars =
        SearchValues.Create("%|abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

    /// <summary>Null when <paramref name="topic"/> is a valid topic name, else the reason.</summary>
    public static string? CheckTopic(string? topic) => Check("topic", topic, MaxTopicLength);

    /// <summary>Null when <paramref name="group"/> is a valid group name, else the reason.</summary>
    public static string? CheckGroup(string? group) => Check("group", group, MaxGroupLength);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? Check(string kind, string? name, int maxLength)
    {
        if (string.IsNullOrEmpty(name)) return $"{kind} name must not be empty";
        if (name.Length > maxLength)
            return $"{kind} name '{name[..20]}…' is {name.Length} characters; the limit is {maxLength}";
        if (name.AsSpan().IndexOfAnyExcept(AllowedChars) >= 0)
            return $"{kind} name '{name}' has characters outside [%|a-zA-Z0-9_-]";
        return null;
    }
}
