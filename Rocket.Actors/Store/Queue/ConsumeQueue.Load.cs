namespace Rocket.Store.Queue;

public sealed partial class ConsumeQueue
{
    /// <summary>
    /// Maps the files already on disk and derives the bounds from them: the last non-zero slot of the last file ends
    /// the queue (fillers are non-zero, unwritten slots are all zero), the first real entry starts it.
    /// </summary>
    public void Load()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_file.Segments.Count > 0) throw new InvalidOperationException($"consume queue {this} is already loaded");
        _file.Load();
        DropAllZeroTailFiles();

        var last = _file.Last;
        if (last is null)
        {
            Publish(0, 0, 0);
            return;
        }
        int lastNonZeroByte = last.ReadOnlySpan(0, last.Size).LastIndexOfAnyExcept((byte)0);
        int written = (lastNonZeroByte / EntrySize + 1) * EntrySize;
        last.WritePosition = written;
        last.FlushedPosition = written;

        long max = (last.StartOffset + written) / EntrySize;
        long floor = FirstSlotOnDisk;
        long lastReal = FindRealBackward(max, floor, out var lastEntry);
        long min = lastReal < 0 ? max : FindRealForward(floor, max, out _);
        Publish(min, max, lastReal < 0 ? 0 : lastEntry.PhysicalEnd);
    }

    /// <summary>A file with no written slot (a crash right after a roll) holds nothing: delete it.</summary>
    private void DropAllZeroTailFiles()
    {
        while (_file.Last is { } last && !last.ReadOnlySpan(0, last.Size).ContainsAnyExcept((byte)0))
        {
            if (_file.Segments.Count == 1) _file.DeleteAll();
            else _file.TruncateFrom(last.StartOffset);
        }
    }
}
