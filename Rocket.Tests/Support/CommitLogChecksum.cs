using System.Security.Cryptography;

namespace Rocket.Tests.Support;

/// <summary>Compares commit logs of a master and its slave byte for byte (issue 11: a slave's log is the master's).</summary>
public static class CommitLogChecksum
{
    /// <summary>
    /// SHA-256 over the first <paramref name="end"/> bytes of a store's commit log, segment files in offset order; a
    /// text naming the gap if the segments do not cover [0, end) without holes.
    /// </summary>
    public static string Of(string store, long end)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long expected = 0;
        foreach (var file in Directory.GetFiles(Path.Combine(store, "commitlog")).Where(f => Path.GetFileName(f).All(char.IsDigit)).Order())
        {
            long start = long.Parse(Path.GetFileName(file));
            if (start >= end) break;
            if (start != expected) return $"segment {start} where {expected} was expected";
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buffer = new byte[Math.Min(stream.Length, end - start)];
            stream.ReadExactly(buffer);
            sha.AppendData(buffer);
            expected = start + buffer.Length;
        }
        return expected == end ? Convert.ToHexString(sha.GetHashAndReset()) : $"short: {expected} of {end} bytes";
    }
}
