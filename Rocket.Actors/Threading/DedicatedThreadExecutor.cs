using System.Collections.Concurrent;
using Akka.Configuration;
using Akka.Dispatch;

namespace Rocket.Threading;

/// <summary>
/// Akka executor that runs a dispatcher's actors on one dedicated thread which blocks, without spinning, when it
/// has nothing to do. Akka's <c>PinnedDispatcher</c> thread spins through up to a hundred <c>Thread.Sleep(0)</c>
/// calls each time it goes idle; the journal goes idle thousands of times a second, so on a 2-core machine that
/// spinning took the CPU the remoting and actor threads needed and showed up as multi-millisecond scheduling delays.
/// Use it with <c>type = Dispatcher</c> and one dispatcher id per actor that needs its own thread.
/// </summary>
public sealed class DedicatedThreadExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    public override ExecutorService Produce(string id) => new DedicatedThreadExecutor(id, Config.GetString("thread-name", id));
}

internal sealed class DedicatedThreadExecutor : ExecutorService
{
    private readonly ConcurrentQueue<IRunnable> _work = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private int _sleeping; // 1 while the thread is blocked, or about to block, on _wake
    private volatile bool _stopping;

    public DedicatedThreadExecutor(string id, string threadName) : base(id)
    {
        new Thread(Loop) { IsBackground = true, Name = threadName }.Start();
    }

    public override void Execute(IRunnable run)
    {
        if (_stopping) throw new RejectedExecutionException($"dispatcher {Id} is shut down");
        _work.Enqueue(run);
        if (Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Set(); // only the producer that saw it asleep wakes it
    }

    public override void Shutdown()
    {
        _stopping = true;
        _wake.Set();
    }

    private void Loop()
    {
        while (true)
        {
            while (_work.TryDequeue(out var run)) run.Run(); // mailbox runs catch actor failures themselves
            if (_stopping) return;
            Interlocked.Exchange(ref _sleeping, 1); // a full fence: the queue check below must not move before this store
            // Work that arrived before the flag was visible: take the flag back unless a producer already did
            // (then its Set is on the way and the Wait below returns at once).
            if (!_work.IsEmpty && Interlocked.Exchange(ref _sleeping, 0) == 1) continue;
            if (_stopping) return;
            _wake.Wait();
            _wake.Reset();
        }
    }
}
