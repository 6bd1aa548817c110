namespace Rocket.Client.Consuming.Orderly;

/// <summary>
/// The messages of one queue waiting for an orderly handler (RocketMQ's ProcessQueue in orderly mode): handed out one
/// batch at a time from the head, in queue order; a batch stays at the head until it is committed (Success) or its
/// messages went to the dead-letter queue, so a suspended batch is retried in place with its reconsume times grown.
/// Not thread-safe: owned by the queue's puller actor.
/// </summary>
internal sealed class OrderlyQueue(int maxReconsumeTimes)
{
    private readonly LinkedList<ReceivedMessage> _pending = new();

    /// <summary>The batch being handled, or null.</summary>
    public IReadOnlyList<ReceivedMessage>? InFlight { get; private set; }

    public int Count => _pending.Count;

    /// <summary>Appends pulled messages (they arrive in queue order).</summary>
    public void Add(IEnumerable<ReceivedMessage> messages)
    {
        foreach (var m in messages) _pending.AddLast(m);
    }

    /// <summary>The next batch (up to <paramref name="max"/> from the head), or null while one is in flight or nothing waits.</summary>
    public IReadOnlyList<ReceivedMessage>? Take(int max)
    {
        if (InFlight is not null || _pending.Count == 0) return null;
        var batch = new List<ReceivedMessage>(Math.Min(max, _pending.Count));
        for (var node = _pending.First; node is not null && batch.Count < max; node = node.Next) batch.Add(node.Value);
        InFlight = batch;
        return batch;
    }

    /// <summary>The handler consumed the batch in flight: it leaves the queue.</summary>
    public void Commit()
    {
        var batch = InFlight ?? throw new InvalidOperationException("no batch in flight to commit");
        for (int i = 0; i < batch.Count; i++) _pending.RemoveFirst();
        InFlight = null;
    }

    /// <summary>
    /// The handler asked to suspend the batch in flight: its messages stay at the head with their reconsume times grown
    /// by one. Returns those that had already been reconsumed <c>maxReconsumeTimes</c> times: they go to the dead-letter
    /// queue (<see cref="Remove"/> once the broker took them) instead of being retried again.
    /// </summary>
    public IReadOnlyList<ReceivedMessage> Suspend()
    {
        var batch = InFlight ?? throw new InvalidOperationException("no batch in flight to suspend");
        InFlight = null;
        var exhausted = new List<ReceivedMessage>();
        var node = _pending.First;
        for (int i = 0; i < batch.Count; i++, node = node!.Next)
        {
            if (node!.Value.ReconsumeTimes >= maxReconsumeTimes) exhausted.Add(node.Value);
            else node.Value = node.Value.Redelivered();
        }
        return exhausted;
    }

    /// <summary>Removes a message (one the dead-letter queue took).</summary>
    public void Remove(ReceivedMessage message)
    {
        for (var node = _pending.First; node is not null; node = node.Next)
            if (node.Value.QueueOffset == message.QueueOffset)
            {
                _pending.Remove(node);
                return;
            }
    }

    /// <summary>The offset to commit: the head's, or null when nothing waits (then the next offset to pull).</summary>
    public long? HeadOffset => _pending.First?.Value.QueueOffset;
}
