using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Rocket.Client.Consuming;

/// <summary>
/// Runs a consumer's handler calls on the thread pool, never on a puller's thread, at most consume-threads at a time
/// across the consumer. Calls wait in one queue in the order they were posted; workers take them, as many as fit in a
/// short thread-pool turn, and stop when it is empty. The dispatcher is its own thread-pool work item, so neither a post
/// nor a worker's turn allocates (a Task.Run with a semaphore wait and a PipeTo cost about 700 bytes per call).
/// <para>
/// Workers are added one at a time: a post adds one only when none is waiting to start, and a worker that takes a call
/// while more wait adds the next. Quick handlers are then served by one or two thread-pool work items per pulled batch
/// (a work item per call cost a queue round trip and often a thread wake-up each), while slow ones still spread over
/// up to consume-threads workers within a few calls.
/// </para>
/// </summary>
internal sealed class HandlerDispatcher : IThreadPoolWorkItem
{
    /// <summary>
    /// How long one thread-pool turn may go on taking calls (100 µs): the actors' mailboxes (the puller waiting for these
    /// results among them) queue on the same pool, and a worker looping over many calls would hold them back.
    /// </summary>
    private static readonly long TurnTicks = Stopwatch.Frequency / 10_000;

    private readonly ConcurrentQueue<HandlerCall> _calls = new();
    private readonly int _maxWorkers;
    private int _workers;   // scheduled or running
    private int _unstarted; // scheduled, not yet running

    public HandlerDispatcher(int maxWorkers)
    {
        if (maxWorkers < 1) throw new ArgumentOutOfRangeException(nameof(maxWorkers), maxWorkers, "consume threads must be at least 1");
        _maxWorkers = maxWorkers;
    }

    /// <summary>Queues <paramref name="call"/>; it runs as soon as a worker is free.</summary>
    public void Post(HandlerCall call)
    {
        _calls.Enqueue(call);
        // A worker waiting to start takes this call too: it starts after the enqueue, since it has not started yet.
        if (Volatile.Read(ref _unstarted) == 0) TryAddWorker();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void IThreadPoolWorkItem.Execute()
    {
        Interlocked.Decrement(ref _unstarted);
        long turnEnds = Stopwatch.GetTimestamp() + TurnTicks;
        while (_calls.TryDequeue(out var call))
        {
            // More are waiting: let another worker start on them, in case this call is slow.
            if (!_calls.IsEmpty && Volatile.Read(ref _unstarted) == 0) TryAddWorker();
            call.Run();
            if (Stopwatch.GetTimestamp() >= turnEnds) break;
        }
        if (!_calls.IsEmpty)
        {
            // The turn is over: keep the slot and go to the back of the pool's queue.
            Schedule();
            return;
        }
        Interlocked.Decrement(ref _workers);
        // A call posted after the emptiness check may have found every slot taken: start a worker for it.
        if (!_calls.IsEmpty) TryAddWorker();
    }

    private void TryAddWorker()
    {
        while (true)
        {
            int workers = Volatile.Read(ref _workers);
            if (workers >= _maxWorkers) return;
            if (Interlocked.CompareExchange(ref _workers, workers + 1, workers) == workers) break;
        }
        Schedule();
    }

    private void Schedule()
    {
        Interlocked.Increment(ref _unstarted);
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }
}
