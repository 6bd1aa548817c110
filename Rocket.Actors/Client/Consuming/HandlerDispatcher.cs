using System.Collections.Concurrent;

namespace Rocket.Client.Consuming;

/// <summary>
/// Runs a consumer's handler calls on the thread pool, never on a puller's thread, at most consume-threads at a time
/// across the consumer. Calls wait in one queue in the order they were posted; up to that many workers take them,
/// one call per thread-pool turn, and stop when it is empty. The dispatcher is its own thread-pool work item, so
/// neither a post nor a worker's turn allocates (a Task.Run with a semaphore wait and a PipeTo cost about 700 bytes
/// per call).
/// </summary>
internal sealed class HandlerDispatcher : IThreadPoolWorkItem
{
    private readonly ConcurrentQueue<HandlerCall> _calls = new();
    private readonly int _maxWorkers;
    private int _workers;

    public HandlerDispatcher(int maxWorkers)
    {
        if (maxWorkers < 1) throw new ArgumentOutOfRangeException(nameof(maxWorkers), maxWorkers, "consume threads must be at least 1");
        _maxWorkers = maxWorkers;
    }

    /// <summary>Queues <paramref name="call"/>; it runs as soon as a worker is free.</summary>
    public void Post(HandlerCall call)
    {
        _calls.Enqueue(call);
        if (TryAddWorker()) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        if (_calls.TryDequeue(out var call)) call.Run();
        // One call per turn, as a task per call had: the actors' mailboxes (the puller waiting for this result among
        // them) queue on the same pool, and a worker looping over many calls would hold them back. The worker keeps
        // its slot and goes to the back of the pool's queue.
        if (!_calls.IsEmpty)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            return;
        }
        Interlocked.Decrement(ref _workers);
        // A call posted after the emptiness check may have found every slot taken: start a worker for it.
        if (!_calls.IsEmpty && TryAddWorker()) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    private bool TryAddWorker()
    {
        while (true)
        {
            int workers = Volatile.Read(ref _workers);
            if (workers >= _maxWorkers) return false;
            if (Interlocked.CompareExchange(ref _workers, workers + 1, workers) == workers) return true;
        }
    }
}
