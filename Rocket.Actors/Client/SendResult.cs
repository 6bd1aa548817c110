namespace Rocket.Client;

/// <summary>How a stored message fared (RocketMQ's SendStatus). Anything that was not stored is an exception instead.</summary>
public enum SendStatus
{
    /// <summary>Stored and, depending on the broker's policies, flushed and replicated.</summary>
    SendOk,
    /// <summary>Stored, but the SYNC_FLUSH did not finish in time.</summary>
    FlushDiskTimeout,
    /// <summary>Stored, but the sync slave did not confirm in time.</summary>
    FlushSlaveTimeout,
    /// <summary>Stored, but no slave was available for a SYNC_MASTER.</summary>
    SlaveNotAvailable,
}

/// <summary>The outcome of a successful send.</summary>
/// <param name="Status">Whether the message is fully durable or only stored on the master.</param>
/// <param name="MessageId">The client-generated unique id (UNIQ_KEY), stable across retries; comma-separated for a batch.</param>
/// <param name="BrokerName">The broker that stored the message.</param>
/// <param name="QueueId">The queue it went to.</param>
/// <param name="QueueOffset">Its offset in that queue (the first message's for a batch).</param>
public sealed record SendResult(SendStatus Status, string MessageId, string BrokerName, int QueueId, long QueueOffset)
{
    // The offset message id is built on first read, not per send: most senders never look at it.
    private readonly string? _brokerPath;
    private readonly ArraySegment<Rocket.Protocol.ProduceResult> _stored;
    private string? _offsetMessageId;
    private bool _offsetMessageIdBuilt;

    internal SendResult(SendStatus status, string messageId, string brokerName, int queueId, long queueOffset,
        string brokerPath, ArraySegment<Rocket.Protocol.ProduceResult> stored) : this(status, messageId, brokerName, queueId, queueOffset)
    {
        _brokerPath = brokerPath;
        _stored = stored;
    }

    /// <summary>
    /// The broker's results (a transaction producer names the stored half message by them); empty when not made by a
    /// send. A part of the broker's answer to a coalesced request, not a copy of it.
    /// </summary>
    internal ArraySegment<Rocket.Protocol.ProduceResult> Stored => _stored;
    /// <summary>The path of the broker that stored the message; null when not made by a send.</summary>
    internal string? BrokerPath => _brokerPath;

    /// <summary>
    /// RocketMQ's offset message id: the storing broker's IP and port and the commit-log offset, 32 hex digits (IPv4);
    /// comma-separated for a batch; null when the broker's host name does not resolve to an address here (or the
    /// result was not made by a send). <c>RocketAdmin.GetMessageByIdAsync</c> finds the message by either id.
    /// </summary>
    public string? OffsetMessageId
    {
        get
        {
            if (!Volatile.Read(ref _offsetMessageIdBuilt))
            {
                _offsetMessageId = _brokerPath is null ? null : Producing.OffsetMessageIds.For(_brokerPath, _stored);
                Volatile.Write(ref _offsetMessageIdBuilt, true); // two first readers build the same string: harmless
            }
            return _offsetMessageId;
        }
    }

    public bool Equals(SendResult? other) => other is not null && (Status, MessageId, BrokerName, QueueId, QueueOffset, OffsetMessageId)
        == (other.Status, other.MessageId, other.BrokerName, other.QueueId, other.QueueOffset, other.OffsetMessageId);

    public override int GetHashCode() => HashCode.Combine(Status, MessageId, BrokerName, QueueId, QueueOffset);
}

/// <summary>One queue of a topic on one broker.</summary>
public sealed record MessageQueue(string Topic, string BrokerName, int QueueId)
{
    public override string ToString() => $"{Topic}@{BrokerName}#{QueueId}";
}
