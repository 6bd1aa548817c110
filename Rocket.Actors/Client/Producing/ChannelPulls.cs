using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// The pulls in flight on a broker's data channel, by request id (unique in the process: <see cref="PullRequestIds"/>),
/// so an answer goes to its puller as it came. Added to by the pullers (<see cref="DirectChannel"/>) and the sender
/// actor, answered from the connection's read loop: hence concurrent.
/// </summary>
internal sealed class ChannelPulls
{
    private readonly record struct Pending(IActorRef Puller, int Generation);

    private readonly ConcurrentDictionary<long, Pending> _pending = new();

    /// <summary>Records <paramref name="request"/> going out on connection <paramref name="generation"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(PullRequest request, IActorRef puller, int generation) =>
        _pending[request.RequestId] = new Pending(puller, generation);

    /// <summary>Forgets a pull that could not be sent after all.</summary>
    public void Remove(long id) => _pending.TryRemove(id, out _);

    /// <summary>Hands an answer to its puller; an unknown id was already failed over when its connection closed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Answer(PullResponse pulled)
    {
        if (_pending.TryRemove(pulled.RequestId, out var pending)) pending.Puller.Tell(pulled);
    }

    /// <summary>Tells the pullers whose pulls were on the closed connection <paramref name="generation"/> to pull again.</summary>
    public void Fail(int generation, string reason)
    {
        foreach (var (id, pending) in _pending)
            if (pending.Generation == generation && _pending.TryRemove(id, out _))
                pending.Puller.Tell(new PullChannelLost(id, reason));
    }
}
