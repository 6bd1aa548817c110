using Akka.Actor;
using Akka.Event;
using Rocket.Protocol;

namespace Rocket.Broker.Locks;

/// <summary>
/// The broker's queue lock table (RocketMQ's RebalanceLockManager): per group and queue, the client that consumes it
/// orderly and when it last locked or renewed it. A lock not renewed within <c>rebalance-lock-max-live-time</c>
/// expires, and another client may take it; orderly consumers renew every <c>rebalance-lock-interval</c> (20 s, a third
/// of the 60 s). Kept in memory only, as in RocketMQ: after a broker restart consumers simply lock again.
/// Pulls are not gated here (RocketMQ does not either); the consumer stops handing out a queue whose lock it lost.
/// </summary>
public sealed class QueueLockActor : ReceiveActor
{
    private sealed record Holder(string ClientId, DateTimeOffset LastUpdate);

    public const string Name = "locks";

    private readonly TimeSpan _maxLiveTime;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Dictionary<LockedQueue, Holder>> _groups = new(StringComparer.Ordinal);

    public QueueLockActor(TimeSpan maxLiveTime, TimeProvider time)
    {
        _maxLiveTime = maxLiveTime;
        _time = time;
        Receive<LockBatchRequest>(r => Sender.Tell(new LockBatchResult(r.Group, Lock(r))));
        Receive<UnlockBatchRequest>(r => Sender.Tell(new UnlockBatchResult(r.Group, Unlock(r))));
    }

    public static Props Props(TimeSpan maxLiveTime, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new QueueLockActor(maxLiveTime, time ?? TimeProvider.System));

    private LockedQueue[] Lock(LockBatchRequest request)
    {
        var now = _time.GetUtcNow();
        if (!_groups.TryGetValue(request.Group, out var locks)) _groups[request.Group] = locks = new Dictionary<LockedQueue, Holder>();
        var granted = new List<LockedQueue>(request.Queues.Length);
        foreach (var queue in request.Queues.Distinct())
        {
            if (locks.TryGetValue(queue, out var holder) && holder.ClientId != request.ClientId && !Expired(holder, now)) continue;
            if (holder is not null && holder.ClientId != request.ClientId)
                _log.Info("group {0}: lock of {1}:{2} expired for {3} (last renewed {4:O}); now held by {5}",
                    request.Group, queue.Topic, queue.QueueId, holder.ClientId, holder.LastUpdate, request.ClientId);
            locks[queue] = new Holder(request.ClientId, now);
            granted.Add(queue);
        }
        return granted.ToArray();
    }

    private LockedQueue[] Unlock(UnlockBatchRequest request)
    {
        if (!_groups.TryGetValue(request.Group, out var locks)) return [];
        var released = new List<LockedQueue>(request.Queues.Length);
        foreach (var queue in request.Queues.Distinct())
        {
            if (!locks.TryGetValue(queue, out var holder) || holder.ClientId != request.ClientId) continue;
            locks.Remove(queue);
            released.Add(queue);
        }
        if (locks.Count == 0) _groups.Remove(request.Group);
        return released.ToArray();
    }

    private bool Expired(Holder holder, DateTimeOffset now) => now - holder.LastUpdate > _maxLiveTime;
}
