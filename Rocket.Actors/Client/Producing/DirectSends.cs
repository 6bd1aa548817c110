using System.Collections.Concurrent;
using Rocket.DataChannel;
using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// Sends posted onto one open data channel by the caller's own thread and answered from the channel's read loop, with
/// no actor mailbox either way: the two mailbox hops of a send through the broker sender cost more client CPU than the
/// send itself, and the broker already groups what one socket read brings into one journal batch, so coalescing in the
/// client adds nothing on this path. One per connection: the broker sender publishes it when the channel connects, and
/// it is closed (failing what is still unanswered) when the channel closes. Deadlines are the broker sender's to check.
/// </summary>
internal sealed class DirectSends(DataConnection connection, string brokerName)
{
    private readonly ConcurrentDictionary<long, IPendingSend> _unanswered = new();
    private volatile int _closed;

    public int Unanswered => _unanswered.Count;

    /// <summary>
    /// Posts <paramref name="send"/> as its own request; false if this channel is closed and nothing was sent (the
    /// caller sends through the broker sender instead). True once the send is this object's to answer or fail.
    /// </summary>
    public bool TryPost(IPendingSend send)
    {
        if (_closed != 0) return false;
        long id = ProduceRequestIds.Next();
        _unanswered[id] = send;
        // Closing sets _closed, then fails what it finds: a send added after that check is either seen by the close
        // or sees _closed here, so none is left unanswered.
        if (_closed == 0 && connection.Post(new ProduceRequest(id, send.Messages))) return true;
        return !_unanswered.TryRemove(id, out _); // still here: not sent, the caller takes the other path
    }

    /// <summary>Answers the send of <paramref name="response"/>; false if it is not one of these (the broker sender's own request).</summary>
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
