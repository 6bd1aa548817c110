namespace Rocket.Store.Mapped;

/// <summary>
/// Keeps the pages just ahead of the writer mapped for writing, on its own thread, a few megabytes at a time, so the
/// writer never takes a page fault (and the kernel's zeroing of fresh file pages happens off its thread). Pacing the
/// work to the writer's progress, instead of warming a whole 1 GiB segment at once, keeps that zeroing from
/// competing in bursts with everything else on a small machine.
/// </summary>
internal sealed class Prefaulter : IDisposable
{
    /// <summary>How far ahead of the writer pages are kept mapped.</summary>
    public const int Window = 32 << 20;

    /// <summary>The unit of work, and how far the writer moves before it wakes the prefaulter again.</summary>
    public const int Chunk = 8 << 20;

    private readonly Func<long, MappedSegment?> _segmentAt;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly Thread _thread;
    private long _target;
    private long _done;
    private volatile bool _stopped;

    /// <param name="segmentAt">The segment (written or prepared) holding an offset, or null if it does not exist yet.</param>
    public Prefaulter(Func<long, MappedSegment?> segmentAt)
    {
        _segmentAt = segmentAt;
        // BelowNormal is a hint on Windows and macOS only: .NET leaves thread priorities alone on Linux. Running this
        // thread at nice 19 there was measured and changed nothing (docs/performance.md, eleventh round).
        _thread = new Thread(Run) { IsBackground = true, Name = "rocket-prefault", Priority = ThreadPriority.BelowNormal };
        _thread.Start();
    }

    /// <summary>The writer is at <paramref name="offset"/> after loading or recovery: start the window there.</summary>
    public void StartAt(long offset)
    {
        Volatile.Write(ref _done, offset);
        Volatile.Write(ref _target, offset + Window);
        _wake.Release();
    }

    /// <summary>Called by the writer after each batch; wakes the prefaulter once per <see cref="Chunk"/> of progress.</summary>
    public void WriterAt(long offset)
    {
        long target = offset + Window;
        if (target - Volatile.Read(ref _target) < Chunk) return;
        Volatile.Write(ref _target, target);
        _wake.Release();
    }

    private void Run()
    {
        while (!_stopped)
        {
            _wake.Wait();
            long done = Volatile.Read(ref _done);
            while (!_stopped && done < Volatile.Read(ref _target))
            {
                var segment = _segmentAt(done);
                if (segment is null) break; // the next segment is still being created; the next wake-up retries
                int position = (int)(done - segment.StartOffset);
                int length = Math.Min(Chunk, segment.Size - position);
                segment.Prefault(position, length);
                done += length;
                Volatile.Write(ref _done, done);
            }
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _wake.Release();
        _thread.Join(TimeSpan.FromSeconds(5));
        _wake.Dispose();
    }
}
