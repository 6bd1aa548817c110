namespace Rocket.Tests.Support;

/// <summary>
/// How much of a memory-mapped file this process has resident, from <c>/proc/self/smaps</c> (Linux): the sum of the
/// Rss lines of every mapping of the file. Unlike the process's RSS it does not move with other tests' allocations.
/// </summary>
public static class MappedResidency
{
    public static long BytesOf(string path)
    {
        string full = Path.GetFullPath(path);
        long total = 0;
        bool inFile = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && IsMappingHeader(line)) inFile = line.EndsWith(" " + full, StringComparison.Ordinal);
            else if (inFile && line.StartsWith("Rss:", StringComparison.Ordinal))
                total += long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        return total;
    }

    // A mapping header starts with "start-end" in hex; attribute lines start with a name and a colon.
    private static bool IsMappingHeader(string line)
    {
        int dash = line.IndexOf('-');
        return dash > 0 && Uri.IsHexDigit(line[0]) && !line[..dash].Contains(':');
    }
}
