using Akka.Actor;
using Akka.Event;
using Rocket.Client.Consuming.Orderly;
using Rocket.Protocol;

namespace Rocket.Client.Consuming;

/// <summary>
/// Queue locks of an orderly clustering consumer (RocketMQ's RebalanceImpl lock / unlock): an assigned queue gets its
/// puller only once its master granted the lock, so the previous owner has finished and committed; every owned
/// queue's lock is renewed every rebalance-lock-interval, and a queue the broker no longer grants is dropped at once.
/// A queue that moves to another member is released by its puller after the batch in flight, its offset committed,
/// and only then unlocked.
/// </summary>
internal sealed partial class ConsumerActor
{
    private static readonly TimeSpan LockMissingRetry = TimeSpan.FromSeconds(1);

    private readonly HashSet<MessageQueue> _lockAssigned = new(); // the queues the last rebalance gave us
    private readonly HashSet<MessageQueue> _locking = new();      // lock asked, not answered yet
    private readonly HashSet<MessageQueue> _releasing = new();    // told to release, not released yet

    private void OrderlyLocking()
    {
        Receive<OrderlyTicks.LockAll>(_ => Lock(_lockAssigned.Where(q => !_releasing.Contains(q)).ToArray()));
        Receive<OrderlyTicks.LockMissing>(_ => Lock(_lockAssigned.Where(q => !_pullers.ContainsKey(q)).ToArray()));
        Receive<LocksAnswered>(OnLocksAnswered);
        Receive<LocksFailed>(f =>
        {
            foreach (var q in f.Asked) _locking.Remove(q);
            _log.Warning("broker {0} did not answer the lock of {1} queue(s) of group {2}: {3}", f.BrokerName, f.Asked.Length, _config.Group, f.Error.Message);
            LockMissingSoon();
        });
        Receive<QueueReleased>(OnReleased);
        Receive<UnlockBatchResult>(_ => { });
    }

    private void AssignLocked(IReadOnlyList<MessageQueue> assigned)
    {
        _lockAssigned.Clear();
        _lockAssigned.UnionWith(assigned);
        var missing = assigned.Where(q => !_pullers.ContainsKey(q)).ToArray();
        if (_starting is not null) foreach (var q in missing) _startPending.TryAdd(q, null);
        Lock(missing);
    }

    private void Lock(MessageQueue[] queues)
    {
        var config = _config;
        foreach (var byBroker in queues.Where(q => !_locking.Contains(q)).GroupBy(q => q.BrokerName))
        {
            if (!_brokerPaths.TryGetValue(byBroker.Key, out var path)) continue;
            var asked = byBroker.ToArray();
            _locking.UnionWith(asked);
            var askedAt = DateTime.UtcNow;
            var request = new LockBatchRequest(config.Group, config.ClientId, asked.Select(q => new LockedQueue(q.Topic, q.QueueId)).ToArray());
            string broker = byBroker.Key;
            _selections.For(path).Ask<LockBatchResult>(request, config.Client.SendTimeout)
                .PipeTo(Self, success: r => new LocksAnswered(broker, asked, askedAt, r.Locked), failure: e => new LocksFailed(broker, asked, e));
        }
    }

    private void OnLocksAnswered(LocksAnswered answer)
    {
        var granted = answer.Granted.ToHashSet();
        // Counted from when we asked: the broker's 60 s started no earlier than that.
        var until = answer.AskedAt + _config.Client.RebalanceLockMaxLiveTime;
        foreach (var queue in answer.Asked)
        {
            _locking.Remove(queue);
            bool locked = granted.Contains(new LockedQueue(queue.Topic, queue.QueueId));
            if (_pullers.TryGetValue(queue, out var entry))
            {
                if (_releasing.Contains(queue)) continue;
                if (locked) entry.Puller.Tell(new QueueLockRenewed(until));
                else LockLost(queue, entry);
            }
            else if (locked)
            {
                if (!_lockAssigned.Contains(queue)) Unlock(queue.BrokerName, [queue]); // no longer ours meanwhile
                else if (_read.For(queue) is { } broker) StartPuller(queue, broker).Tell(new QueueLockRenewed(until));
            }
            else if (_startPending.Remove(queue)) CompleteStartIfReady(); // held by another member (finishing, or dead until its lock expires)
        }
        LockMissingSoon();
    }

    /// <summary>Assigned queues without a lock are asked again every second (a previous owner releasing, or one that died).</summary>
    private void LockMissingSoon()
    {
        if (_lockAssigned.Any(q => !_pullers.ContainsKey(q)))
            Timers.StartSingleTimer("lock-missing", new OrderlyTicks.LockMissing(), LockMissingRetry);
    }

    /// <summary>The broker gave the queue's lock to another member (ours expired): stop at once, commit nothing (the new owner's offset wins).</summary>
    private void LockLost(MessageQueue queue, PullerEntry entry)
    {
        _log.Warning("group {0}: the lock of {1} is held by another member now; {2} stops consuming it", _config.Group, queue, _config.ClientId);
        Context.Stop(entry.Puller);
        _pullers.Remove(queue);
        _consumed.Remove(queue);
        _dirty.Remove(queue);
        if (_startPending.Remove(queue)) CompleteStartIfReady();
    }

    private void Release(MessageQueue queue)
    {
        if (!_releasing.Add(queue)) return;
        _pullers[queue].Puller.Tell(new ReleaseQueue());
        if (_startPending.Remove(queue)) CompleteStartIfReady();
    }

    private void OnReleased(QueueReleased released)
    {
        var queue = released.Queue;
        if (!_releasing.Remove(queue) || !_pullers.Remove(queue)) return;
        if (released.Offset is { } offset)
        {
            _consumed[queue] = offset;
            Commit([queue]);
        }
        _consumed.Remove(queue);
        _dirty.Remove(queue);
        if (_lockAssigned.Contains(queue)) Self.Tell(new OrderlyTicks.LockMissing()); // given back to us meanwhile: start it again
        else Unlock(queue.BrokerName, [queue]);                                       // after the commit, on the same path: it arrives first
    }

    private void Unlock(string brokerName, MessageQueue[] queues)
    {
        if (queues.Length == 0 || !_brokerPaths.TryGetValue(brokerName, out var path)) return;
        _selections.For(path).Tell(new UnlockBatchRequest(_config.Group, _config.ClientId,
            queues.Select(q => new LockedQueue(q.Topic, q.QueueId)).ToArray()), Self);
    }

    /// <summary>On stop, after the final commit: every queue we consumed is free for the next owner at once.</summary>
    private void UnlockAll()
    {
        if (!_config.LocksQueues) return;
        foreach (var byBroker in _pullers.Keys.GroupBy(q => q.BrokerName)) Unlock(byBroker.Key, byBroker.ToArray());
    }
}
