using Akka.Actor;
using Akka.Event;
using Rocket.Client.Consuming.Orderly;
using Rocket.Protocol;

namespace Rocket.Client.Consuming;

/// <summary>
/// Orderly consumption (RocketMQ's ConsumeMessageOrderlyService) inside the queue's puller: one handler call at a time,
/// in queue order, only while the queue's lock is held; a suspended batch is retried in place after
/// suspend-current-queue-time, and a message already reconsumed max-reconsume-times goes to the dead-letter queue.
/// </summary>
internal sealed partial class QueuePullerActor
{
    private sealed record OrderlyResume;

    private OrderlyQueue? _orderly;
    private DateTime _lockedUntil;
    private bool _suspended;
    private bool _releasing;
    private bool _started;
    private readonly Dictionary<long, ReceivedMessage> _deadLettering = new(); // send-back id → message going to the DLQ

    /// <summary>Called from the constructor: broadcasting needs no lock (RocketMQ), clustering waits for the consumer's.</summary>
    private void InitOrderly()
    {
        if (_config.OrderlyHandler is null) return;
        _orderly = new OrderlyQueue(_config.MaxReconsumeTimes);
        _lockedUntil = _config.Model == MessageModel.Broadcasting ? DateTime.MaxValue : DateTime.MinValue;
    }

    /// <summary>Lock and release notices, accepted in both behaviours (they may come before the start offset is known).</summary>
    private void OrderlyControl()
    {
        Receive<QueueLockRenewed>(r =>
        {
            _lockedUntil = r.Until;
            DispatchOrderly();
        });
        Receive<ReleaseQueue>(_ =>
        {
            _releasing = true;
            ReleaseIfIdle();
        });
        Receive<OrderlyResume>(_ =>
        {
            _suspended = false;
            DispatchOrderly();
        });
    }

    private void HandOnOrderly(ReceivedMessage[] messages)
    {
        foreach (var m in messages) _unfinished.Add(m.QueueOffset);
        _orderly!.Add(messages);
        Report();
        DispatchOrderly();
    }

    private void DispatchOrderly()
    {
        if (_orderly is null || _releasing || _suspended || _deadLettering.Count > 0 || _flushing is not null) return;
        if (DateTime.UtcNow >= _lockedUntil) return; // lock not held (yet) or not renewed in time: hand nothing out
        var batch = _orderly.Take(_config.ConsumeBatchSize);
        if (batch is null) return;
        // A throw counts as SuspendCurrentQueueAMoment.
        _callsOut++;
        _config.Handlers!.Post(new HandlerCall<ConsumeOrderlyStatus>(_config.OrderlyHandler!, batch, ConsumeOrderlyStatus.SuspendCurrentQueueAMoment, _returned));
    }

    private void OnOrderlyHandled(HandlerCall<ConsumeOrderlyStatus> handled)
    {
        if (handled.Error is { } e)
            _log.Warning("the orderly handler threw for {0} (offset {1}); suspending the queue: {2}", _queue, handled.Batch[0].QueueOffset, e.Message);
        if (!ReferenceEquals(handled.Batch, _orderly!.InFlight)) return;
        if (handled.Result == ConsumeOrderlyStatus.Success)
        {
            _orderly.Commit();
            Finished(handled.Batch);
            Progressed(); // before a release below hands the offset over and stops
        }
        else
        {
            var exhausted = _orderly.Suspend();
            foreach (var m in exhausted) DeadLetter(m);
            if (exhausted.Count < handled.Batch.Count) Suspend();
        }
        if (!ReleaseIfIdle()) DispatchOrderly();
    }

    private void Suspend()
    {
        _suspended = true;
        Timers.StartSingleTimer("orderly-resume", new OrderlyResume(), _config.SuspendCurrentQueueTime);
    }

    /// <summary>Straight to %DLQ%&lt;group&gt; through the send-back path (delay level below 0); the queue waits for the broker's answer.</summary>
    private void DeadLetter(ReceivedMessage m)
    {
        long id = ++_sendBackId;
        _deadLettering[id] = m;
        _log.Warning("{0} offset {1} was reconsumed {2} times (max-reconsume-times {3}); sending it to the dead-letter queue of group {4}",
            _queue, m.QueueOffset, m.ReconsumeTimes, _config.MaxReconsumeTimes, _config.Group);
        _broker.Tell(new ConsumerSendBack(id, _config.Group, m.Pulled.PhysicalOffset, m.MessageId, -1, _config.MaxReconsumeTimes), Self);
        Timers.StartSingleTimer(("send-back", id), new SendBackTimedOut(id), _config.Client.SendTimeout);
    }

    /// <summary>The broker's answer to a dead-letter send-back; false when it was not one.</summary>
    private bool OnDeadLettered(long requestId, bool ok, string? error)
    {
        if (!_deadLettering.Remove(requestId, out var m)) return false;
        Timers.Cancel(("send-back", requestId));
        if (ok)
        {
            _orderly!.Remove(m);
            Finished([m]);
            Progressed();
        }
        else
        {
            // As RocketMQ: the message stays at the head and is handed to the handler again after the suspend time.
            _log.Warning("broker {0} did not take {1} offset {2} into the dead-letter queue ({3}); the queue is suspended and it is delivered again",
                _queue.BrokerName, _queue, m.QueueOffset, error ?? "no answer");
            Suspend();
        }
        if (!ReleaseIfIdle()) DispatchOrderly();
        return true;
    }

    /// <summary>When releasing and nothing is in flight: hands the consumed offset to the consumer and stops.</summary>
    private bool ReleaseIfIdle()
    {
        if (!_releasing || _orderly?.InFlight is not null || _deadLettering.Count > 0) return false;
        long? offset = _started ? (_unfinished.Count > 0 ? _unfinished.Min : _nextOffset) : null;
        _consumer.Tell(new QueueReleased(_queue, offset));
        Context.Stop(Self);
        return true;
    }
}
