using System.Runtime.CompilerServices;

namespace Rocket.Client.Consuming;

/// <summary>One call of a user handler, queued on the consumer's <see cref="HandlerDispatcher"/>.</summary>
internal abstract class HandlerCall
{
    /// <summary>Runs the handler on the calling (thread-pool) thread and reports the outcome; never throws.</summary>
    public abstract void Run();
}

/// <summary>
/// A handler call that is also its own answer: after <see cref="Run"/> it goes back to its puller's
/// <see cref="HandlerCallInbox"/> carrying <see cref="Result"/> (and the <see cref="Error"/> when the handler threw), so
/// a call costs one object instead of a task, a continuation and the delegates around them. Written only by the thread
/// that runs it, before it is returned; the actor reads it after.
/// </summary>
internal sealed class HandlerCall<TResult>(
    Func<IReadOnlyList<ReceivedMessage>, TResult> handler, IReadOnlyList<ReceivedMessage> batch, TResult whenThrown, HandlerCallInbox returnTo)
    : HandlerCall
{
    public IReadOnlyList<ReceivedMessage> Batch { get; } = batch;

    /// <summary>What the handler returned; the call's whenThrown value when it threw.</summary>
    public TResult Result { get; private set; } = whenThrown;

    /// <summary>What the handler threw, for the actor to log; null when it returned.</summary>
    public Exception? Error { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run()
    {
        try { Result = handler(Batch); }
        catch (Exception e) { Error = e; } // Result keeps whenThrown
        returnTo.Return(this);
    }
}
