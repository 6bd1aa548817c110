using System.Diagnostics;

namespace Rocket.Store.Mapped;

/// <summary>
/// Keeps the pages just ahead of the writer mapped for writing, on its own thread, a megabyte at a time, so the
/// writer never takes a page fault (and the kernel's zeroing of fresh file pages happens off its thread). Pacing the
/// work to the writer's progress, instead of warming a whole 1 GiB segment at once, keeps that zeroing from
/// competing in bursts with everything else on a small machine.
/// </summary>
internal sealed class Prefaulter : IDisposable
{
    /// <summary>How far ahead of the writer pages are kept mapped.</summary>
    public const int Window = 32 << 20;

    /// <summary>
    /// The unit of work, and how far the writer moves before it wakes the prefaulter again. At a steady rate each
    /// unit is one system call of 1-4.5 ms on a small VM (the longer ones on memory the host has not backed lately),
    /// against the 26-39 ms that 8 MiB units held a CPU for, with sockets' threads seen waiting 10-13 ms behind one.
    /// </summary>
    public const int Chunk = 1 << 20;

    /// <summary>
    /// Writer progress per second above which the pages are mapped with the kernel's read-around (see
    /// <see cref="NativeSync.TryPopulateWrite"/>). Read-around builds large page-cache folios, which a bulk writer
    /// needs (msync of small pages cost half as much again, and <c>bench store</c> fell from 440-1,050k to 330-380k
    /// msgs/s without them), in system calls of 26-39 ms per 8 MiB that hold one of a small machine's CPUs. At a
    /// steady rate the latency of everything else matters more, so the pages are mapped one by one in short calls.
    /// </summary>
    public const long BulkBytesPerSecond = 64L << 20;

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
        var rate = new WriterRate();
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
                segment.Prefault(position, length, readAround: rate.IsBulk(Volatile.Read(ref _target)));
                done += length;
                Volatile.Write(ref _done, done);
            }
        }
    }

    /// <summary>
    /// Whether the writer is in a burst: its progress per second over the last 100 ms or more (long enough that a
    /// burst's short pauses, a GC or a slow client, do not count as a steady rate). Until a first interval is
    /// measured it counts as a burst, as a writer that has just started is (prefaulter thread only).
    /// </summary>
    private struct WriterRate
    {
        private long _sampleOffset, _sampleTicks;
        private bool _steady;

        public bool IsBulk(long writerTarget)
        {
            long now = Stopwatch.GetTimestamp();
            if (_sampleTicks == 0) (_sampleOffset, _sampleTicks) = (writerTarget, now);
            long elapsed = now - _sampleTicks;
            if (elapsed < Stopwatch.Frequency / 10) return !_steady;
            _steady = (writerTarget - _sampleOffset) * (double)Stopwatch.Frequency / elapsed <= BulkBytesPerSecond;
            (_sampleOffset, _sampleTicks) = (writerTarget, now);
            return !_steady;
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
