using Rocket.Store.Mapped;

namespace Rocket.Cli.Bench;

/// <summary>
/// The ceiling the store is compared with: the same number of bytes copied sequentially, in message-sized chunks,
/// into fresh memory-mapped files created exactly as commit-log segments are (preallocated), with no flush:
/// the same point at which an ASYNC_FLUSH write is acknowledged (bytes in the page cache).
/// </summary>
public static class RawMmapBandwidth
{
    public static double MeasureMbPerS(string directory, long totalBytes, int chunkSize, int segmentSize)
    {
        var rawDir = Path.Combine(directory, "raw-baseline");
        Directory.CreateDirectory(rawDir);
        var chunk = new byte[chunkSize];
        Random.Shared.NextBytes(chunk);
        var segments = new List<MappedSegment>();
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            long written = 0;
            long start = 0;
            while (written < totalBytes)
            {
                var segment = MappedSegment.Open(rawDir, start, segmentSize);
                segments.Add(segment);
                int position = 0;
                while (written < totalBytes && position + chunkSize <= segmentSize)
                {
                    chunk.CopyTo(segment.Span(position, chunkSize));
                    position += chunkSize;
                    written += chunkSize;
                }
                segment.WritePosition = position;
                start += segmentSize;
            }
            double seconds = watch.Elapsed.TotalSeconds;
            return written / 1e6 / seconds;
        }
        finally
        {
            foreach (var s in segments) s.Destroy(deleteFile: true);
            try { Directory.Delete(rawDir, recursive: true); } catch (IOException) { }
        }
    }
}
