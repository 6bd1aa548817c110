using Akka.Actor;
using Akka.Event;
using Rocket.Protocol;

namespace Rocket.Client.Consuming;

/// <summary>
/// Reading from slaves (RocketMQ: a consumer falls back to a slave of the broker name while the master is down, and
/// follows a master's suggestion to pull from a slave). After every rebalance each puller is pointed at the broker its
/// queue is read from now (<see cref="ReadBrokers"/>); it continues at the same position, since a slave's queues hold
/// the same offsets as its master's. Offsets are committed only to a master: while a group has none they are kept
/// (still dirty, or for a queue dropped meanwhile in <see cref="_keptForMaster"/>) and committed as soon as a master
/// (a promoted slave counts) is in the routes. While a queue is read from a slave for want of a master, or just after
/// the broker a queue is read from died, the routes are fetched afresh every <see cref="RecheckInterval"/> (so is a
/// failed first rebalance while StartAsync waits for it).
/// </summary>
internal sealed partial class ConsumerActor
{
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long routes are rechecked after a read broker died: the name server drops a dead broker within about 5 s.</summary>
    private static readonly TimeSpan LostBrokerWatch = TimeSpan.FromSeconds(30);

    private readonly Dictionary<MessageQueue, long> _keptForMaster = new();       // dropped queues' offsets, waiting for a master
    private readonly HashSet<string> _waitingForMaster = new(StringComparer.Ordinal); // groups whose kept offsets were logged
    private readonly Dictionary<MessageQueue, string> _readLogged = new();         // queue → the read broker last logged
    private readonly List<(MessageQueue Queue, BrokerAddress Broker, string Why)> _switches = new();
    private DateTime _lostBrokerWatchUntil = DateTime.MinValue;

    private void SlaveReading()
    {
        Receive<ConsumerTicks.RecheckRoutes>(_ => Rebalance(refreshRoutes: true));
        Receive<PullSuggested>(s =>
        {
            if (!_pullers.TryGetValue(s.Queue, out var entry) || !entry.Puller.Equals(Sender)) return;
            if (_read.Suggest(s.Queue, s.BrokerId) is { } cannot) _log.Warning("group {0}: {1}", _config.Group, cannot);
            FollowReadBrokers();
        });
        Receive<ReadBrokerLost>(l =>
        {
            if (!_pullers.TryGetValue(l.Queue, out var entry) || entry.ReadFrom.Path != l.Path) return;
            _lostBrokerWatchUntil = DateTime.UtcNow + LostBrokerWatch;
            ScheduleRecheck();
        });
    }

    /// <summary>Points every puller at the broker its queue is read from now, and commits kept offsets to masters that are back.</summary>
    private void FollowReadBrokers()
    {
        foreach (var (queue, entry) in _pullers.ToArray())
        {
            if (_read.For(queue) is not { } broker || broker == entry.ReadFrom) continue;
            entry.Puller.Tell(new ReadFrom(broker));
            _pullers[queue] = entry with { ReadFrom = broker };
            NoteReadFrom(queue, broker);
        }
        LogSwitches();
        CommitKeptOffsets();
        ScheduleRecheck();
    }

    /// <summary>Remembers a change of read broker for the one log line it gets (a queue first read from its master is not news).</summary>
    private void NoteReadFrom(MessageQueue queue, BrokerAddress broker)
    {
        string key = $"{broker.Path}|{broker.Role}|{broker.Epoch}";
        bool seen = _readLogged.TryGetValue(queue, out var last);
        if (seen && last == key) return;
        _readLogged[queue] = key;
        if (!seen && broker.Role.IsMaster()) return;
        _switches.Add((queue, broker, _read.Why(queue, broker)));
    }

    private void LogSwitches()
    {
        foreach (var change in _switches.GroupBy(s => (s.Queue.Topic, s.Queue.BrokerName, s.Broker.BrokerId, s.Broker.Role, s.Broker.Epoch, s.Why)))
        {
            var (topic, name, id, role, epoch, why) = change.Key;
            // Warning, the client's default level: reading a slave is a degraded state an operator wants to see, and its end too.
            _log.Warning($"group {_config.Group}: topic {topic} queue(s) {string.Join(",", change.Select(c => c.Queue.QueueId).Order())} " +
                      $"of broker {name} are now read from broker id {id} ({role.Name()}, epoch {epoch}): {why}");
        }
        _switches.Clear();
    }

    /// <summary>Commit found no master for <paramref name="brokerName"/>: its offsets stay dirty until one is back.</summary>
    private void WaitForMaster(string brokerName, IEnumerable<MessageQueue> queues)
    {
        int count = 0;
        foreach (var q in queues)
        {
            _dirty.Add(q);
            count++;
        }
        if (_waitingForMaster.Add(brokerName))
            _log.Warning("group {0}: broker group {1} has no live master; the offsets of {2} queue(s) are kept here and committed " +
                         "when a master is back (a slave does not store them)", _config.Group, brokerName, count);
    }

    /// <summary>A dropped queue whose group has no master: its offset waits in <see cref="_keptForMaster"/>.</summary>
    private void KeepForMaster(MessageQueue queue)
    {
        if (_read.WithoutMaster(queue.BrokerName) && _consumed.TryGetValue(queue, out var offset)) _keptForMaster[queue] = offset;
    }

    private void CommitKeptOffsets()
    {
        foreach (var name in _waitingForMaster.ToArray())
        {
            if (_read.MasterPath(name) is not { } path) continue;
            _waitingForMaster.Remove(name);
            var kept = _keptForMaster.Where(k => k.Key.BrokerName == name).ToArray();
            foreach (var (queue, _) in kept) _keptForMaster.Remove(queue);
            var offsets = kept.Select(k => new QueueOffset(k.Key.Topic, k.Key.QueueId, k.Value))
                .Concat(_dirty.Where(q => q.BrokerName == name && _consumed.ContainsKey(q)).Select(q => new QueueOffset(q.Topic, q.QueueId, _consumed[q])))
                .ToArray();
            _dirty.RemoveWhere(q => q.BrokerName == name);
            foreach (var byTopic in offsets.GroupBy(o => o.Topic))
                _selections.For(path).Tell(new Protocol.CommitOffsets(_config.Group, byTopic.ToArray()), Self);
            _log.Warning("group {0}: broker group {1} has a master again ({2}); committed the {3} offset(s) kept meanwhile",
                _config.Group, name, path, offsets.Length);
        }
    }

    /// <summary>
    /// Routes are fetched afresh every second while a queue is read from a slave for want of a master, a read broker just
    /// died, or the start waits for a first rebalance that failed.
    /// </summary>
    private void ScheduleRecheck()
    {
        bool needed = FirstRebalancePending || DateTime.UtcNow < _lostBrokerWatchUntil || _keptForMaster.Count > 0 || _waitingForMaster.Count > 0
                      || _pullers.Values.Any(e => !e.ReadFrom.Role.IsMaster() && _read.WithoutMaster(e.ReadFrom.BrokerName));
        if (!needed) Timers.Cancel("recheck-routes");
        else if (!Timers.IsTimerActive("recheck-routes"))
            Timers.StartSingleTimer("recheck-routes", new ConsumerTicks.RecheckRoutes(), RecheckInterval);
    }

    /// <summary>Slaves read for want of a master: they get heartbeats, so they can answer the group's member list.</summary>
    private IEnumerable<string> SlaveReadPaths() =>
        _pullers.Values.Where(e => !e.ReadFrom.Role.IsMaster()).Select(e => e.ReadFrom.Path);

    /// <summary>At stop, offsets that never found a master are lost: said, never silently.</summary>
    private void WarnOffsetsWithoutMaster()
    {
        var lost = _dirty.Where(q => _read.WithoutMaster(q.BrokerName) && _consumed.ContainsKey(q)).Concat(_keptForMaster.Keys).Distinct().ToArray();
        if (lost.Length == 0 || _config.Model != MessageModel.Clustering) return;
        _log.Warning("group {0}: stopping with the offsets of {1} queue(s) uncommitted, their broker group has no live master: {2}",
            _config.Group, lost.Length, string.Join(", ", lost.Select(q => $"{q}@{(_keptForMaster.TryGetValue(q, out var o) ? o : _consumed[q])}")));
    }
}
