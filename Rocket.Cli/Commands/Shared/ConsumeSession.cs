using System.Diagnostics;
using Rocket.Client;

namespace Rocket.Cli.Commands.Shared;

/// <summary>How a push consumer is set up and when it stops.</summary>
public sealed record ConsumePlan(string Topic, string Group)
{
    public string Filter { get; init; } = "*";
    /// <summary>A SQL92 condition (<c>--sql</c>) instead of the tag <see cref="Filter"/>.</summary>
    public string? Sql { get; init; }
    public ConsumeFrom From { get; init; } = ConsumeFrom.Last;
    public DateTimeOffset? FromTime { get; init; }
    public bool Broadcast { get; init; }
    /// <summary>Stop after this long without a new message.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Messages per handler call: larger batches cost less per message.</summary>
    public int HandlerBatch { get; init; } = 32;
    /// <summary>A testing aid: the fraction of deliveries (handler calls) answered RetryLater; 1 = every one.</summary>
    public double FailRate { get; init; }
    /// <summary>Null: the consumer's default (16; unlimited for an orderly handler).</summary>
    public int? MaxReconsumeTimes { get; init; }
    /// <summary>An orderly handler (per queue one call at a time, in order); a failing delivery suspends the queue.</summary>
    public bool Orderly { get; init; }
    /// <summary>Tracks per order key the handled VERIFY_SEQ (<see cref="OrderTally"/>).</summary>
    public OrderTally? Order { get; init; }
    /// <summary>A testing aid: every handled message appended as "utc-ticks KEYS VERIFY_SEQ" before the handler returns.</summary>
    public string? HandledLog { get; init; }
    /// <summary>Broadcasting: the local offset folder; null: rocket.client.local-offset-store-dir.</summary>
    public string? LocalOffsetStoreDir { get; init; }
}

/// <summary>A push consumer feeding a <see cref="ConsumeTally"/>, and the wait for "enough" or "quiet for too long".</summary>
public sealed class ConsumeSession(RocketClient client, ConsumePlan plan, ConsumeTally tally)
{
    private PushConsumer? _consumer;
    private long _startedAt;
    private long _readyAt;

    public ConsumeTally Tally => tally;

    /// <summary>How the wait ended: "count" (target reached), "idle" (timeout without messages) or "interrupted".</summary>
    public string StopReason { get; private set; } = "";

    /// <summary>From the consumer's start (group join included) to the last message received, or to the stop when nothing came.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Time the first rebalance took (joining the group, assigning queues).</summary>
    public TimeSpan StartDuration { get; private set; }

    public async Task StartAsync()
    {
        var watch = Stopwatch.StartNew();
        _consumer = client.CreatePushConsumer(new PushConsumerOptions(plan.Group)
        {
            MessageModel = plan.Broadcast ? Protocol.MessageModel.Broadcasting : Protocol.MessageModel.Clustering,
            ConsumeFrom = plan.From,
            ConsumeTimestamp = plan.FromTime,
            // With failures asked for, each delivery is one message, so the rate is per message.
            ConsumeBatchSize = plan.FailRate > 0 ? 1 : plan.HandlerBatch,
            MaxReconsumeTimes = plan.MaxReconsumeTimes,
            LocalOffsetStoreDir = plan.LocalOffsetStoreDir,
        });
        _consumer.Subscribe(plan.Topic, plan.Sql is null ? MessageSelector.ByTag(plan.Filter) : MessageSelector.BySql(plan.Sql));
        double failRate = plan.FailRate;
        if (plan.Orderly)
        {
            var log = plan.HandledLog is null ? null : new HandledLog(plan.HandledLog);
            _consumer.RegisterOrderlyHandler(batch =>
            {
                tally.Delivered(batch);
                if (failRate > 0 && Random.Shared.NextDouble() < failRate)
                {
                    tally.Failed(batch.Count);
                    return ConsumeOrderlyStatus.SuspendCurrentQueueAMoment;
                }
                plan.Order?.Record(batch);
                log?.Append(batch);
                tally.Record(batch);
                return ConsumeOrderlyStatus.Success;
            });
        }
        else _consumer.RegisterHandler(batch =>
        {
            tally.Delivered(batch);
            if (failRate > 0 && Random.Shared.NextDouble() < failRate)
            {
                tally.Failed(batch.Count);
                return ConsumeResult.RetryLater;
            }
            tally.Record(batch);
            return ConsumeResult.Success;
        });
        _startedAt = Stopwatch.GetTimestamp(); // before the start: messages may arrive before StartAsync returns
        await _consumer.StartAsync();
        _readyAt = Stopwatch.GetTimestamp(); // the idle timeout counts from here: a slow start (a loaded machine) is not idleness
        StartDuration = watch.Elapsed;
    }

    /// <summary>Waits until the tally's target is reached, nothing arrived for the idle timeout, or cancellation.</summary>
    public async Task WaitAsync(CancellationToken cancel, Action? tick = null)
    {
        while (true)
        {
            var reached = await Task.WhenAny(tally.Reached, Task.Delay(100, CancellationToken.None)) == tally.Reached;
            tick?.Invoke();
            if (reached) { StopReason = "count"; break; }
            if (cancel.IsCancellationRequested) { StopReason = "interrupted"; break; }
            long last = Math.Max(tally.LastReceiveTimestamp, _readyAt);
            if (Stopwatch.GetElapsedTime(last) >= plan.IdleTimeout) { StopReason = "idle"; break; }
        }
        Elapsed = tally.Received > 0
            ? Stopwatch.GetElapsedTime(_startedAt, tally.LastReceiveTimestamp)
            : Stopwatch.GetElapsedTime(_startedAt);
    }

    /// <summary>Stops pulling and commits the offsets, so <c>rocket progress</c> shows what was consumed.</summary>
    public async Task StopAsync()
    {
        if (_consumer is not null) await _consumer.StopAsync();
    }
}
