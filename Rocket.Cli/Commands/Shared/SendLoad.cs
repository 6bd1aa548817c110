using System.Collections.Concurrent;
using System.Diagnostics;
using Rocket.Client;

namespace Rocket.Cli.Commands.Shared;

public enum SendMode { Sync, Async, Oneway }

/// <summary>What to send and how; shared by <c>send</c>, the benchmarks and <c>quickstart</c>.</summary>
public sealed record SendPlan(string Topic, long Count, int Size)
{
    public SendMode Mode { get; init; } = SendMode.Sync;
    /// <summary>Messages per send call; above 1 uses the batch send.</summary>
    public int Batch { get; init; } = 1;
    /// <summary>Sends in flight at once (sync: that many tasks each awaiting its send).</summary>
    public int Concurrency { get; init; } = 256;
    public string? Tag { get; init; }
    public string? Keys { get; init; }
    /// <summary>RocketMQ delay level of every message (1..N of the broker's message-delay-level); null or 0: none.</summary>
    public int? DelayLevel { get; init; }
    /// <summary>Tags every message with <see cref="VerifyProperties"/> so a consumer can name missing sequence numbers.</summary>
    public string? VerifyId { get; init; }
    /// <summary>Paced sending (messages per second) for <see cref="Duration"/>, instead of <see cref="Count"/> as fast as possible.</summary>
    public double? Rate { get; init; }
    public TimeSpan? Duration { get; init; }
    /// <summary>Adds a microsecond send timestamp, since the broker's born timestamp has only millisecond resolution.</summary>
    public bool StampBornMicros { get; init; }
    /// <summary>Timer messages: each delivered this long after its send.</summary>
    public TimeSpan? DeliverAfter { get; init; }
    /// <summary>Timer messages: the delivery time of message <c>seq</c>.</summary>
    public Func<long, DateTimeOffset>? DeliverAt { get; init; }
    /// <summary>User properties (<c>--prop</c>), rendered per message.</summary>
    public IReadOnlyList<PropertyTemplate> Properties { get; init; } = [];
    /// <summary>Ordered sending: message i has KEYS k{i % OrderKeys} and goes to that key's hash-selected queue, each key's in sequence.</summary>
    public int? OrderKeys { get; init; }
}

/// <summary>Property names carried by verifiable and benchmark messages.</summary>
public static class VerifyProperties
{
    public const string Id = "VERIFY_ID";
    public const string Seq = "VERIFY_SEQ";
    public const string BornMicros = "BENCH_BORN_US";

    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}

/// <summary>
/// Runs a <see cref="SendPlan"/> against a producer and counts the outcome. Progress (<see cref="Completed"/>) can be
/// read from another thread while it runs.
/// </summary>
public sealed class SendLoad(Producer producer, SendPlan plan)
{
    private const int ErrorsKept = 5;
    private readonly byte[] _body = RandomBody(plan.Size);
    private readonly ConcurrentDictionary<string, byte> _errors = new();
    private readonly ConcurrentDictionary<MessageQueue, long> _perQueue = new();
    private long _next, _sent, _failed;

    public SendPlan Plan => plan;
    public long Sent => Interlocked.Read(ref _sent);
    public long Failed => Interlocked.Read(ref _failed);
    public long Completed => Sent + Failed;
    /// <summary>Per-call latency (sync/async: until the broker's answer; oneway: the call itself).</summary>
    public Latency Latency { get; } = new();
    /// <summary>The first few distinct failure messages.</summary>
    public IReadOnlyCollection<string> Errors => _errors.Keys.ToArray();
    /// <summary>Messages stored per queue (unknown for one-way sends).</summary>
    public IReadOnlyDictionary<MessageQueue, long> PerQueue => _perQueue;
    /// <summary>Messages the plan will send: Count, or rate x duration when paced.</summary>
    public long Total => plan.Rate is { } rate && plan.Duration is { } d ? (long)(rate * d.TotalSeconds) : plan.Count;

    /// <summary>Sends everything and returns the elapsed time (until the last answer).</summary>
    public async Task<TimeSpan> RunAsync(CancellationToken cancel)
    {
        var watch = Stopwatch.StartNew();
        if (plan.OrderKeys is { } keys) await RunOrderedAsync(keys, cancel);
        else if (plan.Rate is not null) await RunPacedAsync(cancel);
        else if (plan.Mode == SendMode.Oneway) RunOneway(cancel);
        else if (plan.Mode == SendMode.Async) await RunAsyncMode(cancel);
        else await Task.WhenAll(Enumerable.Range(0, plan.Concurrency).Select(_ => Task.Run(() => SyncWorker(cancel), CancellationToken.None)));
        return watch.Elapsed;
    }

    /// <summary>Claims the next batch of sequence numbers; false when everything is claimed.</summary>
    private bool TryClaim(long total, out long first, out int count)
    {
        first = Interlocked.Add(ref _next, plan.Batch) - plan.Batch;
        count = (int)Math.Clamp(total - first, 0, plan.Batch);
        return count > 0;
    }

    private async Task SyncWorker(CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested && TryClaim(Total, out long first, out int count))
        {
            long started = Stopwatch.GetTimestamp();
            try
            {
                var result = await SendTask(first, count).ConfigureAwait(false);
                Succeeded(result, count, started);
            }
            catch (Exception e) { Fail(e, count); }
        }
    }

    /// <summary>
    /// One sender per order key, each sending its key's messages (i = key, key + K, …) one after another: a key's
    /// messages reach their queue in sequence order, keys run in parallel (at most Concurrency at once).
    /// </summary>
    private async Task RunOrderedAsync(int keys, CancellationToken cancel)
    {
        using var slots = new SemaphoreSlim(plan.Concurrency, plan.Concurrency);
        await Task.WhenAll(Enumerable.Range(0, keys).Select(key => Task.Run(async () =>
        {
            await slots.WaitAsync(cancel).ConfigureAwait(false);
            try
            {
                string orderKey = OrderKey(key);
                for (long seq = key; seq < Total && !cancel.IsCancellationRequested; seq += keys)
                {
                    long started = Stopwatch.GetTimestamp();
                    try { Succeeded(await producer.SendAsync(Build(seq), MessageQueueSelectors.ByHash, orderKey).ConfigureAwait(false), 1, started); }
                    catch (Exception e) { Fail(e, 1); }
                }
            }
            finally { slots.Release(); }
        }, CancellationToken.None))).ConfigureAwait(false);
    }

    private static string OrderKey(long seq) => "k" + seq.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>RocketMQ's async send: the callback reports the outcome; a semaphore bounds what is in flight.</summary>
    private async Task RunAsyncMode(CancellationToken cancel)
    {
        using var slots = new SemaphoreSlim(plan.Concurrency, plan.Concurrency);
        while (!cancel.IsCancellationRequested && TryClaim(Total, out long first, out int count))
        {
            await slots.WaitAsync(cancel).ConfigureAwait(false);
            Issue(first, count, slots);
        }
        for (int i = 0; i < plan.Concurrency; i++) await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Fixed-rate sending: one dedicated thread issues each message at its own due time (rate evenly spread), so the
    /// load is what a steady stream of producers gives rather than bursts.
    /// </summary>
    private async Task RunPacedAsync(CancellationToken cancel)
    {
        using var slots = new SemaphoreSlim(plan.Concurrency, plan.Concurrency);
        await Task.Factory.StartNew(() =>
        {
            long total = Total, start = Stopwatch.GetTimestamp();
            double ticksPerMessage = Stopwatch.Frequency / plan.Rate!.Value;
            for (long issued = 0; issued < total && !cancel.IsCancellationRequested;)
            {
                Pacer.WaitUntil(start + (long)(issued * ticksPerMessage));
                int count = (int)Math.Min(plan.Batch, total - issued);
                slots.Wait(cancel);
                Issue(issued, count, slots);
                issued += count;
            }
        }, cancel, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        for (int i = 0; i < plan.Concurrency; i++) await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private void Issue(long first, int count, SemaphoreSlim slots)
    {
        long started = Stopwatch.GetTimestamp();
        if (count == 1 && plan.Mode == SendMode.Async && plan.Rate is null)
        {
            producer.SendAsync(Build(first), (result, error) =>
            {
                if (result is not null) Succeeded(result, 1, started);
                else Fail(error!, 1);
                slots.Release();
            });
            return;
        }
        Task<SendResult> send;
        try { send = SendTask(first, count); }
        catch (Exception e) { send = Task.FromException<SendResult>(e); }
        send.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) Succeeded(t.Result, count, started);
            else Fail(t.Exception?.InnerException ?? t.Exception!, count);
            slots.Release();
        }, TaskScheduler.Default);
    }

    private void RunOneway(CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested && TryClaim(Total, out long first, out int count))
        {
            for (int i = 0; i < count; i++)
            {
                long started = Stopwatch.GetTimestamp();
                try
                {
                    producer.SendOneway(Build(first + i));
                    Latency.RecordSince(started);
                    Interlocked.Increment(ref _sent);
                }
                catch (Exception e) { Fail(e, 1); }
            }
        }
    }

    private Task<SendResult> SendTask(long first, int count)
    {
        if (count == 1 && plan.Batch == 1) return producer.SendAsync(Build(first));
        var messages = new Message[count];
        for (int i = 0; i < count; i++) messages[i] = Build(first + i);
        return producer.SendBatchAsync(messages);
    }

    private Message Build(long seq)
    {
        var message = new Message(plan.Topic, _body)
        {
            Tags = plan.Tag, Keys = plan.OrderKeys is { } k ? OrderKey(seq % k) : plan.Keys, DelayLevel = plan.DelayLevel, DeliverAfter = plan.DeliverAfter, DeliverAt = plan.DeliverAt?.Invoke(seq),
        };
        if (plan.VerifyId is not null)
        {
            message.Properties[VerifyProperties.Id] = plan.VerifyId;
            message.Properties[VerifyProperties.Seq] = seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        foreach (var property in plan.Properties) message.Properties[property.Name] = property.Render(seq);
        if (plan.StampBornMicros)
            message.Properties[VerifyProperties.BornMicros] = VerifyProperties.NowMicros().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return message;
    }

    private void Succeeded(SendResult result, int count, long started)
    {
        Latency.RecordSince(started);
        Interlocked.Add(ref _sent, count);
        _perQueue.AddOrUpdate(new MessageQueue(plan.Topic, result.BrokerName, result.QueueId),
            static (_, n) => n, static (_, old, n) => old + n, (long)count); // static lambdas: no closure per send
    }

    private void Fail(Exception error, int count)
    {
        Interlocked.Add(ref _failed, count);
        if (_errors.Count < ErrorsKept) _errors.TryAdd(error.Message, 0);
    }

    private static byte[] RandomBody(int size)
    {
        var body = new byte[size];
        Random.Shared.NextBytes(body);
        return body;
    }
}
