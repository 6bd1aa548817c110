using System.Runtime.ExceptionServices;
using Akka.Actor;

namespace Rocket.Remoting;

/// <summary>
/// A query that may be asked more than once (it changes nothing), asked again while its answer has not come, without
/// giving up on the earlier asks. Akka.Remote delivers at most once, and drops what is sent to an address while its
/// connection is gated, as it is for a moment after a broker restarted on its own address refused a connection. Asked
/// once, a lost query cost the caller its whole budget (a consumer's start timed out with its broker back and idle);
/// asked again at intervals, it costs one interval, while a slow answer to the first ask still counts until the end.
/// </summary>
internal static class RepeatedAsk
{
    /// <summary>Asks within one budget: the first at once, the others at equal intervals.</summary>
    public const int Attempts = 3;

    /// <summary>Asks <paramref name="target"/> up to <see cref="Attempts"/> times within <paramref name="budget"/>; the first answer.</summary>
    /// <exception cref="AskTimeoutException">No ask was answered within the budget.</exception>
    public static async Task<T> AskAsync<T>(ActorSelection target, object query, TimeSpan budget) =>
        (await AskAnyAsync<T>(_ => target, query, budget, Attempts).ConfigureAwait(false)).Answer;

    /// <summary>
    /// Asks <paramref name="targetOf"/>(0), then every <paramref name="budget"/> / <paramref name="attempts"/> the next
    /// attempt's target, each ask alive until the end of the budget; the first answer and the attempt it answered.
    /// </summary>
    /// <exception cref="AskTimeoutException">No ask was answered within the budget.</exception>
    public static async Task<(T Answer, int Attempt)> AskAnyAsync<T>(Func<int, ActorSelection> targetOf, object query, TimeSpan budget, int attempts)
    {
        var deadline = DateTime.UtcNow + budget;
        var interval = budget / attempts;
        var asks = new Dictionary<Task<T>, int>(attempts); // each ask waiting, with its attempt
        Exception? last = null;
        try
        {
            for (int attempt = 0; attempt < attempts; attempt++)
            {
                var left = deadline - DateTime.UtcNow;
                if (left > TimeSpan.Zero) asks.Add(targetOf(attempt).Ask<T>(query, left), attempt);
                // Until the next ask is due (after the last one: until the deadline), the first answer to any ask.
                var due = attempt < attempts - 1 ? Task.Delay(interval) : null;
                while (asks.Count > 0)
                {
                    var any = Task.WhenAny(asks.Keys);
                    if (due is not null && await Task.WhenAny(any, due).ConfigureAwait(false) == due) break;
                    var done = await any.ConfigureAwait(false);
                    if (done.IsCompletedSuccessfully) return (done.Result, asks[done]);
                    last = done.Exception?.GetBaseException() ?? new TaskCanceledException(done);
                    if (last is not (AskTimeoutException or TaskCanceledException)) ExceptionDispatchInfo.Throw(last);
                    asks.Remove(done);
                }
            }
            throw last ?? new AskTimeoutException($"no answer to {query.GetType().Name} within {budget}");
        }
        finally
        {
            // The asks still waiting end at the deadline; their timeouts are nobody's concern.
            foreach (var ask in asks.Keys)
                if (!ask.IsCompleted) _ = ask.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
        }
    }
}
