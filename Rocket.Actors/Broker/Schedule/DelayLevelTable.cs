using System.Globalization;

namespace Rocket.Broker.Schedule;

/// <summary>
/// RocketMQ's <c>messageDelayLevel</c>: the delay of each level, level 1 first, e.g. <c>"1s 5s 10s 30s 1m … 2h"</c>.
/// A message with <c>DELAY</c>=L waits <see cref="DelayMs"/>(L) in queue L − 1 of the schedule topic.
/// </summary>
public sealed class DelayLevelTable : IEquatable<DelayLevelTable>
{
    private readonly long[] _delaysMs;

    private DelayLevelTable(long[] delaysMs) => _delaysMs = delaysMs;

    /// <summary>Number of levels; levels are 1..Count.</summary>
    public int Count => _delaysMs.Length;

    /// <summary>The delay of each level in ms, level 1 at index 0 (what the store needs to compute deliver times).</summary>
    public IReadOnlyList<long> DelaysMs => _delaysMs;

    /// <summary>The delay of <paramref name="level"/> (1..<see cref="Count"/>) in ms.</summary>
    public long DelayMs(int level) => _delaysMs[level - 1];

    public override string ToString() => string.Join(' ', _delaysMs.Select(Format));

    public bool Equals(DelayLevelTable? other) => other is not null && _delaysMs.AsSpan().SequenceEqual(other._delaysMs);
    public override bool Equals(object? obj) => Equals(obj as DelayLevelTable);
    public override int GetHashCode() => _delaysMs.Length == 0 ? 0 : HashCode.Combine(_delaysMs.Length, _delaysMs[0], _delaysMs[^1]);

    /// <summary>
    /// Parses space-separated durations, each a positive whole number with a unit of ms, s, m, h or d (RocketMQ's
    /// units plus ms). Throws <see cref="FormatException"/> naming the bad token.
    /// </summary>
    public static DelayLevelTable Parse(string text)
    {
        var tokens = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0) throw new FormatException("the table is empty; it needs at least one delay such as 1s");
        var delays = new long[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
            delays[i] = ParseToken(tokens[i]) ?? throw new FormatException(
                $"bad token '{tokens[i]}' (level {i + 1}): each delay is a positive whole number followed by ms, s, m, h or d");
        return new DelayLevelTable(delays);
    }

    private static long? ParseToken(string token)
    {
        int unitStart = 0;
        while (unitStart < token.Length && char.IsAsciiDigit(token[unitStart])) unitStart++;
        if (unitStart == 0 || unitStart == token.Length) return null;
        long unitMs = token[unitStart..] switch
        {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => 0,
        };
        if (unitMs == 0) return null;
        if (!long.TryParse(token.AsSpan(0, unitStart), NumberStyles.None, CultureInfo.InvariantCulture, out long amount) || amount <= 0) return null;
        // Longer than 10 years is a typo, and keeps store time + delay far from overflowing.
        const long maxMs = 10L * 365 * 86_400_000;
        return amount > maxMs / unitMs ? null : amount * unitMs;
    }

    private static string Format(long ms) =>
        ms % 86_400_000 == 0 ? $"{ms / 86_400_000}d" : ms % 3_600_000 == 0 ? $"{ms / 3_600_000}h"
        : ms % 60_000 == 0 ? $"{ms / 60_000}m" : ms % 1000 == 0 ? $"{ms / 1000}s" : $"{ms}ms";
}
