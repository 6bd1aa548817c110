using System.Runtime.CompilerServices;
using Rocket.Client.Routing;
using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// The first attempt of a single send to a cached route, and the caller's task itself: the broker sender's answer
/// becomes the <see cref="SendResult"/> here, with no async method awaiting the attempt in between (its state machine
/// was the largest allocation per send, about 370 bytes). A failed attempt hands over to the producer's retry loop,
/// which starts at the second attempt, and its outcome becomes this task's.
/// </summary>
internal sealed class FirstAttemptSend : PendingSendBase<SendResult>
{
    private readonly Producer _producer;
    private readonly string _topic;
    private readonly string _messageId;
    private readonly MessageQueue _queue;
    private readonly DateTime _sendDeadline;

    /// <param name="sendDeadline">The whole send's (all attempts); <paramref name="attemptDeadline"/> is this attempt's share.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public FirstAttemptSend(Producer producer, string topic, WireMessage[] messages, string messageId, MessageQueue queue,
        string brokerPath, DateTime sendDeadline, DateTime attemptDeadline) : base(messages, attemptDeadline)
    {
        _producer = producer;
        _topic = topic;
        _messageId = messageId;
        _queue = queue;
        BrokerPath = brokerPath;
        _sendDeadline = sendDeadline;
    }

    public string BrokerPath { get; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Answer(ArraySegment<ProduceResult> results)
    {
        if (Producer.Rejection(results, _queue) is { } rejected) Retry(rejected);
        else TrySetResult(Producer.ToSendResult(results, _queue, _messageId, BrokerPath));
    }

    public override void Fail(Exception error)
    {
        switch (error)
        {
            case TimeoutException timeout: Retry(Producer.NoAnswer(_queue, timeout)); break;
            case RocketSendException send: Retry(send); break;
            default: TrySetException(error); break; // e.g. the client closed: retrying cannot help
        }
    }

    private void Retry(RocketSendException error)
    {
        if (error.Status == ProduceStatus.MessageIllegal)
        {
            TrySetException(error); // retrying cannot help
            return;
        }
        _producer.AttemptFailed(_topic, _queue.BrokerName);
        _producer.SendWithRetriesAsync(_topic, Messages, _messageId, null, firstAttempt: 1, _sendDeadline, _queue.BrokerName, error)
            .ContinueWith(static (rest, state) => ((FirstAttemptSend)state!).Settle(rest), this,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Settle(Task<SendResult> rest)
    {
        if (rest.IsCompletedSuccessfully) TrySetResult(rest.Result);
        else TrySetException(rest.Exception!.InnerExceptions);
    }
}
