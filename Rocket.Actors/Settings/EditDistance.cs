namespace Rocket.Settings;

/// <summary>Levenshtein distance, to suggest the setting a misspelled key probably meant.</summary>
internal static class EditDistance
{
    /// <summary>Fewest single-character insertions, deletions and substitutions turning <paramref name="a"/> into <paramref name="b"/>.</summary>
    public static int Between(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>The candidate closest to <paramref name="key"/> (the first of equally close ones in ordinal order).</summary>
    public static string Closest(string key, IEnumerable<string> candidates) =>
        candidates.OrderBy(c => Between(key, c)).ThenBy(c => c, StringComparer.Ordinal).First();
}
