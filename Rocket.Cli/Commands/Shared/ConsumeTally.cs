using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Rocket.Client;

namespace Rocket.Cli.Commands.Shared;

/// <summary>
/// Counts what a consumer received. With a verify id it knows which sequence numbers 0..expect-1 arrived, so it can
/// name the missing ones and count duplicates exactly; messages with another (or no) verify id are only "foreign".
/// Handlers run on several threads at once, hence the interlocked counters.
/// </summary>
public sealed class ConsumeTally
{
    private const int MissingListed = 20;
    private readonly string? _verifyId;
    private readonly int[]? _seen;
    private readonly ConcurrentDictionary<string, byte>? _ids;
    private readonly ConcurrentDictionary<MessageQueue, long> _perQueue = new();
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _received, _bytes, _unique, _duplicates, _foreign, _outOfRange, _reconsumed, _failed;
    private long _firstTimestamp, _lastTimestamp;
    private long _target;

    /// <param name="verifyId">Count VERIFY_SEQ of messages carrying this VERIFY_ID.</param>
    /// <param name="expect">Sequence numbers 0..expect-1 are expected (with <paramref name="verifyId"/>).</param>
    /// <param name="trackIds">Without a verify id: count distinct message ids (costs memory; off for benchmarks).</param>
    /// <param name="bornLatency">Record receive time minus the send timestamp of each message.</param>
    public ConsumeTally(string? verifyId, int expect, bool trackIds, bool bornLatency)
    {
        _verifyId = verifyId;
        if (verifyId is not null) _seen = new int[expect];
        else if (trackIds) _ids = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        BornLatency = bornLatency ? new Latency() : null;
    }

    public long Received => Interlocked.Read(ref _received);
    public long Bytes => Interlocked.Read(ref _bytes);
    /// <summary>Distinct messages (by VERIFY_SEQ with a verify id, else by message id); null when not tracked.</summary>
    public long? Unique => _seen is not null || _ids is not null ? Interlocked.Read(ref _unique) : null;
    public long? Duplicates => Unique is null ? null : Interlocked.Read(ref _duplicates);
    public long Foreign => Interlocked.Read(ref _foreign);
    public long OutOfRange => Interlocked.Read(ref _outOfRange);
    /// <summary>Deliveries of messages consumed before (reconsume times above 0), whatever the handler answered.</summary>
    public long Reconsumed => Interlocked.Read(ref _reconsumed);
    /// <summary>Deliveries the handler answered RetryLater (not counted as received).</summary>
    public long FailedDeliveries => Interlocked.Read(ref _failed);
    public Latency? BornLatency { get; }
    /// <summary>Lateness against TIMER_OUT_MS of the messages that carry one (this run's only, with a verify id).</summary>
    public DueTally Due { get; } = new();
    public IReadOnlyDictionary<MessageQueue, long> PerQueue => _perQueue;
    public Task Reached => _reached.Task;
    public long LastReceiveTimestamp => Interlocked.Read(ref _lastTimestamp);

    /// <summary>Time from the first to the last message received.</summary>
    public TimeSpan ReceiveSpan => _firstTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_firstTimestamp, _lastTimestamp);

    /// <summary>
    /// Stop once this many messages are in (distinct matching ones with a verify id); 0 = no target. May be set
    /// while consuming (e2e sets it when sending is over).
    /// </summary>
    public void SetTarget(long target)
    {
        Interlocked.Exchange(ref _target, target);
        CheckTarget();
    }

    /// <summary>Every handler call, before its answer: counts redeliveries and keeps the consumer from looking idle.</summary>
    public void Delivered(IReadOnlyList<ReceivedMessage> batch)
    {
        foreach (var message in batch)
            if (message.ReconsumeTimes > 0) Interlocked.Increment(ref _reconsumed);
        Interlocked.Exchange(ref _lastTimestamp, Stopwatch.GetTimestamp());
    }

    /// <summary>A handler call answered RetryLater: its messages are not received yet.</summary>
    public void Failed(int count) => Interlocked.Add(ref _failed, count);

    /// <summary>Messages handled (Success).</summary>
    public void Record(IReadOnlyList<ReceivedMessage> batch)
    {
        long now = Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref _firstTimestamp, now, 0);
        long nowMicros = BornLatency is null ? 0 : VerifyProperties.NowMicros();
        long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long bytes = 0;
        foreach (var message in batch)
        {
            bytes += message.Body.Length;
            // With a verify id only this run's messages count towards latency (a warm-up or older run is "foreign").
            bool ours = _seen is null || CountVerified(message);
            if (ours && BornLatency is not null) BornLatency.RecordMicros(nowMicros - BornMicros(message));
            if (ours) Due.Record(message, nowMs);
            if (_seen is not null) continue;
            if (_ids is not null && message.MessageId is { } id)
            {
                if (_ids.TryAdd(id, 0)) Interlocked.Increment(ref _unique);
                else Interlocked.Increment(ref _duplicates);
            }
        }
        // A handler batch comes from one pull, so usually from one queue: count per distinct queue, not per message.
        foreach (var group in batch.GroupBy(m => (m.BrokerName, m.QueueId)))
        {
            long n = group.LongCount();
            _perQueue.AddOrUpdate(group.First().Queue, static (_, add) => add, static (_, old, add) => old + add, n);
        }
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _received, batch.Count);
        Interlocked.Exchange(ref _lastTimestamp, Stopwatch.GetTimestamp());
        CheckTarget();
    }

    /// <summary>Counts a message's sequence number; false when it belongs to another verify id.</summary>
    private bool CountVerified(ReceivedMessage message)
    {
        if (!message.Properties.TryGetValue(VerifyProperties.Id, out var id) || id != _verifyId)
        {
            Interlocked.Increment(ref _foreign);
            return false;
        }
        if (!message.Properties.TryGetValue(VerifyProperties.Seq, out var text)
            || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long seq) || seq >= _seen!.Length)
        {
            Interlocked.Increment(ref _outOfRange);
            return true;
        }
        if (Interlocked.Increment(ref _seen[seq]) == 1) Interlocked.Increment(ref _unique);
        else Interlocked.Increment(ref _duplicates);
        return true;
    }

    /// <summary>Receive time minus the producer's microsecond stamp, or the broker's millisecond born timestamp without one.</summary>
    private static long BornMicros(ReceivedMessage message) =>
        message.Properties.TryGetValue(VerifyProperties.BornMicros, out var text) && long.TryParse(text, CultureInfo.InvariantCulture, out long us)
            ? us
            : message.BornTimestamp * 1000;

    private void CheckTarget()
    {
        long target = Interlocked.Read(ref _target);
        if (target <= 0) return;
        long have = _seen is not null ? Interlocked.Read(ref _unique) : Received;
        if (have >= target) _reached.TrySetResult();
    }

    /// <summary>Expected sequence numbers not received (with a verify id): how many, and the first few.</summary>
    public (long Count, long[] First) Missing()
    {
        if (_seen is null) return (0, []);
        var first = new List<long>();
        long count = 0;
        for (int i = 0; i < _seen.Length; i++)
        {
            if (Volatile.Read(ref _seen[i]) != 0) continue;
            count++;
            if (first.Count < MissingListed) first.Add(i);
        }
        return (count, first.ToArray());
    }
}
