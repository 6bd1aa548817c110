namespace Rocket.Client.Consuming;

/// <summary>
/// Runs a user handler on the thread pool, never on the puller's thread, at most consume-threads calls at a time across
/// the consumer (<paramref name="slots"/>). A handler that throws counts as <paramref name="whenThrown"/>.
/// </summary>
internal static class HandlerCalls
{
    public static Task<TResult> Run<TResult>(SemaphoreSlim slots, Func<IReadOnlyList<ReceivedMessage>, TResult> handler,
        IReadOnlyList<ReceivedMessage> batch, TResult whenThrown, Action<Exception> onThrown) =>
        Task.Run(async () =>
        {
            await slots.WaitAsync().ConfigureAwait(false);
            try { return handler(batch); }
            catch (Exception e)
            {
                onThrown(e);
                return whenThrown;
            }
            finally { slots.Release(); }
        });
}
