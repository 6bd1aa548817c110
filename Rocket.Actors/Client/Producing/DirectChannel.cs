using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Rocket.DataChannel;
using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// One open data channel for the callers' own threads: sends and pulls posted onto it without the broker sender's
/// mailbox, and sends answered from the channel's read loop (pull answers go to their pullers from there already). The
/// two mailbox hops of a send through the broker sender cost more client CPU than the send itself, and the broker
/// groups what one socket read brings into one journal batch, so coalescing in the client adds nothing here; a pull
/// that waits in a mailbox delays the messages its long poll would have carried. One per connection: the broker sender
/// publishes it when the channel connects, and it is closed (failing the unanswered sends) when the channel closes.
/// Deadlines are the broker sender's to check; pulls in flight are failed over by the broker sender and watched by
/// their pullers, as before.
/// </summary>
/// <param name="sends">Whether sends may be posted (rocket.client.direct-sends); pulls always may.</param>
/// <param name="pulls">The channel's pull table, shared with the broker sender; <paramref name="generation"/> is this connection's.</param>
internal sealed class DirectChannel(DataConnection connection, string brokerName, bool sends, ChannelPulls pulls, int generation)
{
    private readonly ConcurrentDictionary<long, IPendingSend> _unanswered = new();
    private volatile int _closed;

    public int Unanswered => _unanswered.Count;

    /// <summary>Whether sends may be posted here (else they go through the broker sender).</summary>
    public bool TakesSends => sends;

    /// <summary>
    /// Posts <paramref name="send"/> as its own request; false if this channel is closed and nothing was sent (the
    /// caller sends through the broker sender instead). True once the send is this object's to answer or fail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryPost(IPendingSend send)
    {
        if (!sends || _closed != 0) return false;
        long id = ProduceRequestIds.Next();
        _unanswered[id] = send;
        // Closing sets _closed, then fails what it finds. With a full fence between the add and the check, either the
        // close finds this send or this check sees _closed: none is left unanswered (nothing else would fail it).
        Interlocked.MemoryBarrier();
        if (_closed == 0 && connection.Post(new ProduceRequest(id, send.Messages))) return true;
        return !_unanswered.TryRemove(id, out _); // still here: not sent, the caller takes the other path
    }

    /// <summary>
    /// Posts <paramref name="request"/> for <paramref name="puller"/> (<paramref name="pullerPath"/>: its full path); false
    /// if this channel is closed and nothing was sent. A pull that went out and whose connection then closes is failed
    /// over by the broker sender like its own (it was added to the table first).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryPostPull(PullRequest request, Akka.Actor.IActorRef puller, string pullerPath)
    {
        if (_closed != 0) return false;
        pulls.Add(request, puller, generation);
        if (connection.Post(new PullFrame(pullerPath, request))) return true;
        pulls.Remove(request.RequestId);
        return false;
    }

    /// <summary>Answers the send of <paramref name="response"/>; false if it is not one of these (the broker sender's own request).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryAnswer(ProduceResponse response)
    {
        if (!_unanswered.TryRemove(response.RequestId, out var send)) return false;
        if (response.Results.Length == send.Messages.Length) send.Answer(response.Results);
        else send.Fail(ProduceAnswers.CountMismatch(brokerName, response.Results.Length, send.Messages.Length));
        return true;
    }

    /// <summary>Fails the sends whose deadline is past <paramref name="now"/> with <paramref name="error"/>'s exception.</summary>
    public void FailOverdue(DateTime now, Func<Exception> error)
    {
        Exception? overdue = null;
        foreach (var (id, send) in _unanswered)
            if (send.Deadline <= now && _unanswered.TryRemove(id, out _)) send.Fail(overdue ??= error());
    }

    /// <summary>No more posts; fails every unanswered send with <paramref name="error"/>. Only the first close counts.</summary>
    public void Close(Exception error)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        foreach (var id in _unanswered.Keys)
            if (_unanswered.TryRemove(id, out var send)) send.Fail(error);
    }
}
