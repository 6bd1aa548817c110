namespace Rocket.Tests.Support;

/// <summary>
/// How this process maps a file, from <c>/proc/self/smaps</c> (Linux): how much of it is resident (the sum of the Rss
/// lines of every mapping of the file; unlike the process's RSS it does not move with other tests' allocations), and
/// how the kernel was advised to read each mapping.
/// </summary>
public static class MappedResidency
{
    public static long BytesOf(string path) =>
        AttributesOf(path, "Rss:").Sum(value => long.Parse(value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]) * 1024);

    /// <summary>
    /// The VmFlags of each mapping (VMA) of the file, in address order; "rr" marks a range advised MADV_RANDOM (no
    /// read-around on faults), "sr" one advised MADV_SEQUENTIAL. One madvise on part of a mapping splits it.
    /// </summary>
    public static IReadOnlyList<string[]> VmFlagsOf(string path) =>
        AttributesOf(path, "VmFlags:").Select(value => value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

    /// <summary>The value of one attribute line (after its name) of every mapping of the file.</summary>
    private static IEnumerable<string> AttributesOf(string path, string name)
    {
        string full = Path.GetFullPath(path);
        bool inFile = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && IsMappingHeader(line)) inFile = line.EndsWith(" " + full, StringComparison.Ordinal);
            else if (inFile && line.StartsWith(name, StringComparison.Ordinal)) yield return line[name.Length..];
        }
    }

    // A mapping header starts with "start-end" in hex; attribute lines start with a name and a colon.
    private static bool IsMappingHeader(string line)
    {
        int dash = line.IndexOf('-');
        return dash > 0 && Uri.IsHexDigit(line[0]) && !line[..dash].Contains(':');
    }
}
