using System.Runtime.CompilerServices;
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

/// <summary>
/// A pending send that is its own completion source (one object fewer per send than a record holding one); the kinds
/// differ in what the caller's task holds and in what an answer or a failure does to it.
/// </summary>
internal abstract class PendingSendBase<TResult> : TaskCompletionSource<TResult>, IPendingSend
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected PendingSendBase(WireMessage[] messages, DateTime deadline) : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Messages = messages;
        Deadline = deadline;
        foreach (var m in messages) Bytes += m.Body.Length + (m.Properties?.Length ?? 0) * 2;
    }

    public WireMessage[] Messages { get; }
    public int Bytes { get; }
    public DateTime Deadline { get; }
    public bool IsAnswered => Task.IsCompleted;
    public abstract void Answer(ArraySegment<ProduceResult> results);
    public abstract void Fail(Exception error);
}

/// <summary>A send whose caller awaits the broker's results itself (batches, ordered and one-way sends, retries).</summary>
internal sealed class PendingSend : PendingSendBase<ProduceResult[]>
{
    private PendingSend(WireMessage[] messages, DateTime deadline) : base(messages, deadline) { }

    public static PendingSend Create(WireMessage[] messages, DateTime deadline) => new(messages, deadline);

    public override void Answer(ArraySegment<ProduceResult> results) =>
        TrySetResult(results.Offset == 0 && results.Count == results.Array!.Length ? results.Array : results.ToArray());

    public override void Fail(Exception error) => TrySetException(error);
}
