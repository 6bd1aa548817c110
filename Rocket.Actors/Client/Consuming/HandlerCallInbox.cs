using System.Collections.Concurrent;
using Akka.Actor;

namespace Rocket.Client.Consuming;

/// <summary>
/// Where a puller's finished handler calls come back. A finished call queues itself here, and only a call that finds
/// the inbox unsignalled tells the puller <see cref="Drain"/>; the puller then takes every call queued by then. Calls
/// that finish together (a pulled batch handed out one message per call) cost the puller one mailbox message, one
/// offset report and one flow-control check, instead of a message, a report and a check each.
/// </summary>
internal sealed class HandlerCallInbox(IActorRef owner)
{
    /// <summary>Told to the owner when calls are waiting; one signal may cover many calls.</summary>
    public sealed class Drain
    {
        public static readonly Drain Instance = new();
        private Drain() { }
    }

    private readonly ConcurrentQueue<HandlerCall> _calls = new();
    private int _signalled;

    /// <summary>Called by the thread that ran <paramref name="call"/>.</summary>
    public void Return(HandlerCall call)
    {
        _calls.Enqueue(call);
        if (Interlocked.Exchange(ref _signalled, 1) == 0) owner.Tell(Drain.Instance, ActorRefs.NoSender);
    }

    /// <summary>
    /// The owner, on <see cref="Drain"/>: every call returned so far, and any returned while it takes them. The signal is
    /// cleared first (a full fence), so a call queued after the last take signals again rather than waiting unseen.
    /// A struct, so that the owner's foreach allocates nothing (an iterator cost an object per drain).
    /// </summary>
    public Taken TakeAll()
    {
        Interlocked.Exchange(ref _signalled, 0);
        return new Taken(_calls);
    }

    /// <summary>What <see cref="TakeAll"/> takes: each call is dequeued as the enumeration reaches it.</summary>
    public readonly struct Taken(ConcurrentQueue<HandlerCall> calls) : IEnumerable<HandlerCall>
    {
        public Enumerator GetEnumerator() => new(calls);
        IEnumerator<HandlerCall> IEnumerable<HandlerCall>.GetEnumerator() => GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public struct Enumerator(ConcurrentQueue<HandlerCall> calls) : IEnumerator<HandlerCall>
        {
            public HandlerCall Current { get; private set; } = null!;
            object System.Collections.IEnumerator.Current => Current;

            public bool MoveNext()
            {
                if (!calls.TryDequeue(out var call)) return false;
                Current = call;
                return true;
            }

            public readonly void Reset() => throw new NotSupportedException("taken calls are gone from the inbox");
            public readonly void Dispose() { }
        }
    }
}
