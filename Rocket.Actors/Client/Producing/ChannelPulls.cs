using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// The pulls in flight on a broker's data channel. Pullers number their pulls each on their own, so on the shared
/// connection each pull travels under an id of this table's, and its answer goes back to its puller under the
/// puller's id. Added to by the pullers (<see cref="DirectChannel"/>) and the sender actor, answered from the
/// connection's read loop: hence concurrent.
/// </summary>
internal sealed class ChannelPulls
{
    private readonly record struct Pending(IActorRef Puller, long RequestId, int Generation);

    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private long _nextId;

    /// <summary>Records a pull going out on connection <paramref name="generation"/>; the request to send under the table's id.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PullRequest Add(PullRequest request, IActorRef puller, int generation)
    {
        long id = Interlocked.Increment(ref _nextId);
        _pending[id] = new Pending(puller, request.RequestId, generation);
        return request with { RequestId = id };
    }

    /// <summary>Forgets a pull that could not be sent after all.</summary>
    public void Remove(long id) => _pending.TryRemove(id, out _);

    /// <summary>Hands an answer to its puller; an unknown id was already failed over when its connection closed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Answer(PullResponse pulled)
    {
        if (_pending.TryRemove(pulled.RequestId, out var pending)) pending.Puller.Tell(pulled with { RequestId = pending.RequestId });
    }

    /// <summary>Tells the pullers whose pulls were on the closed connection <paramref name="generation"/> to pull again.</summary>
    public void Fail(int generation, string reason)
    {
        foreach (var (id, pending) in _pending)
            if (pending.Generation == generation && _pending.TryRemove(id, out _))
                pending.Puller.Tell(new PullChannelLost(pending.RequestId, reason));
    }
}
