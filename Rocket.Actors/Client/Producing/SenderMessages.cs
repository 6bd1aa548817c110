using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// What the broker sender needs of a send: messages that must travel together (one send, or one batch), the caller's
/// deadline, and how to answer it. <see cref="Bytes"/> counts bodies and properties, for the coalescing byte cap. The
/// broker sender fails a send with a <see cref="TimeoutException"/> once <see cref="Deadline"/> (UTC) passes, so a
/// send needs no timer of its own.
/// </summary>
internal interface IPendingSend
{
    WireMessage[] Messages { get; }
    int Bytes { get; }
    DateTime Deadline { get; }
    /// <summary>Answered or failed already (e.g. a batch whose caller gave up): the sender skips it.</summary>
    bool IsAnswered { get; }
    /// <summary>The broker's result per message, in order: this send's part of the answer to its request.</summary>
    void Answer(ArraySegment<ProduceResult> results);
    void Fail(Exception error);
}

/// <summary>A send whose caller awaits the broker's results itself (batches, ordered and one-way sends, retries).</summary>
/// <remarks>The send is its own completion source (one object fewer per send than a record holding one).</remarks>
internal sealed class PendingSend : TaskCompletionSource<ProduceResult[]>, IPendingSend
{
    private PendingSend(WireMessage[] messages, int bytes, DateTime deadline) : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Messages = messages;
        Bytes = bytes;
        Deadline = deadline;
    }

    public WireMessage[] Messages { get; }
    public int Bytes { get; }
    public DateTime Deadline { get; }
    public bool IsAnswered => Task.IsCompleted;
    public void Answer(ArraySegment<ProduceResult> results) =>
        TrySetResult(results.Offset == 0 && results.Count == results.Array!.Length ? results.Array : results.ToArray());
    public void Fail(Exception error) => TrySetException(error);

    public static PendingSend Create(WireMessage[] messages, DateTime deadline) => new(messages, CountBytes(messages), deadline);

    public static int CountBytes(WireMessage[] messages)
    {
        int bytes = 0;
        foreach (var m in messages) bytes += m.Body.Length + (m.Properties?.Length ?? 0) * 2;
        return bytes;
    }
}

/// <summary>
/// A puller's pull for the broker sender to carry: over the data channel when it is open (the answer goes straight to
/// the puller), else over Akka.Remote with the puller as the sender. <paramref name="PullerPath"/> is the puller's full
/// path (with this client's address): the broker's group view names a queue's owner by it.
/// </summary>
internal sealed record ChannelPull(PullRequest Request, string PullerPath);

/// <summary>Asks a broker sender for its counters (tests, diagnostics); answered with <see cref="BrokerSenderStats"/>.</summary>
internal sealed record GetBrokerSenderStats
{
    public static readonly GetBrokerSenderStats Instance = new();
}

/// <param name="RequestsOverDataChannel">Of <paramref name="RequestsSent"/>, those sent over the broker's data channel.</param>
/// <param name="DataChannelOpen">Whether the data channel is connected now.</param>
/// <param name="PullsOverDataChannel">Pulls carried over the data channel.</param>
internal sealed record BrokerSenderStats(int InFlightRequests, int QueuedSends, long RequestsSent, long RequestsOverDataChannel = 0,
    bool DataChannelOpen = false, long PullsOverDataChannel = 0);

/// <summary>
/// The data channel that carried pull <paramref name="RequestId"/> closed before its answer came: the puller pulls
/// again at once (over Akka.Remote until the channel is back) instead of waiting out the pull timeout.
/// </summary>
internal sealed record PullChannelLost(long RequestId, string Reason);
