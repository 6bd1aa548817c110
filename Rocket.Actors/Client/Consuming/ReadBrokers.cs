using Rocket.Protocol;

namespace Rocket.Client.Consuming;

/// <summary>
/// A consumer's view of its broker groups (from its last rebalance): which broker each queue is read from and which
/// groups have a master to commit offsets to. A queue is read from its group's master; without a live master, from
/// the most advanced slave (see <see cref="BrokerGroupRoles"/>); and where a pull response suggested another broker
/// of the group (slave-read-enable), from that one until a response suggests the master again. Owned by the
/// consumer actor (not thread-safe).
/// </summary>
internal sealed class ReadBrokers
{
    private IReadOnlyDictionary<string, BrokerAddress[]> _groups = new Dictionary<string, BrokerAddress[]>();
    private readonly Dictionary<MessageQueue, long> _suggested = new(); // queue → broker id a pull response suggested

    /// <summary>Takes the broker groups of a new rebalance.</summary>
    public void Update(IReadOnlyDictionary<string, BrokerAddress[]> groups) => _groups = groups;

    /// <summary>The actor path of <paramref name="brokerName"/>'s live master; null while its group has none.</summary>
    public string? MasterPath(string brokerName) =>
        _groups.TryGetValue(brokerName, out var group) ? BrokerGroupRoles.MasterOf(group)?.Path : null;

    /// <summary>
    /// The group is in the routes but none of its live brokers is a master (it is read from a slave). A group absent
    /// from the routes altogether (its topic deleted, every broker of it down) is not "without master".
    /// </summary>
    public bool WithoutMaster(string brokerName) =>
        _groups.TryGetValue(brokerName, out var group) && group.Length > 0 && BrokerGroupRoles.MasterOf(group) is null;

    /// <summary>Where <paramref name="queue"/> is read now; null while its broker group is not routed.</summary>
    public BrokerAddress? For(MessageQueue queue)
    {
        if (!_groups.TryGetValue(queue.BrokerName, out var group) || group.Length == 0) return null;
        if (_suggested.TryGetValue(queue, out var id) && group.FirstOrDefault(b => b.BrokerId == id) is { } suggested)
            return suggested;
        return BrokerGroupRoles.ReadFrom(group);
    }

    /// <summary>
    /// A pull response of <paramref name="queue"/> suggested <paramref name="brokerId"/> (RocketMQ's MASTER_ID 0: the
    /// master, whatever its id). Returns a reason to log when the suggestion cannot be followed (that broker is not
    /// routed), else null.
    /// </summary>
    public string? Suggest(MessageQueue queue, long brokerId)
    {
        if (brokerId == BrokerGroupRoles.MasterId)
        {
            _suggested.Remove(queue);
            return null;
        }
        if (_groups.TryGetValue(queue.BrokerName, out var group) && group.Any(b => b.BrokerId == brokerId))
        {
            _suggested[queue] = brokerId;
            return null;
        }
        _suggested.Remove(queue);
        return $"broker {queue.BrokerName} suggested reading {queue} from its broker id {brokerId}, which is not in the routes; reading stays where it is";
    }

    /// <summary>The queue is no longer ours: a later owner starts from the master again.</summary>
    public void Forget(MessageQueue queue) => _suggested.Remove(queue);

    /// <summary>Why <paramref name="queue"/> is read from <paramref name="broker"/>, for the one log line a switch gets.</summary>
    public string Why(MessageQueue queue, BrokerAddress broker) =>
        broker.Role.IsMaster() ? "its master"
        : _suggested.ContainsKey(queue) ? "a slave its master suggested (the pull was far behind the end of the master's log)"
        : "a slave: its broker group has no live master";
}
