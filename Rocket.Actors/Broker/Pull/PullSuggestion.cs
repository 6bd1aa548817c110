using Rocket.Broker.Replication;
using Rocket.Protocol;

namespace Rocket.Broker.Pull;

/// <summary>
/// RocketMQ's suggestPullingFromSlave: which broker of the group a pull response suggests for the queue's next pull.
/// A pull reading further behind the end of the commit log than access-message-in-memory-max-ratio of the machine's
/// memory reads pages that are likely no longer cached; with slave-read-enable a master then suggests slave broker id 1
/// (RocketMQ's whichBrokerWhenConsumeSlowly default), so the backlog's disk reads land on the slave. A slave suggests
/// the master (RocketMQ's MASTER_ID 0) unless slave-read-enable is on and the pull is that far behind. With
/// slave-read-enable off a master suggests nothing: clients stay where they read. The role is the broker's run-time
/// role, read at every pull: a slave promoted by failover answers as a master from its next pull on.
/// </summary>
internal sealed class PullSuggestion
{
    /// <summary>RocketMQ's whichBrokerWhenConsumeSlowly default (a subscription group setting there; fixed here).</summary>
    public const long SlowConsumerBrokerId = 1;

    private readonly bool _enabled;
    private readonly BrokerRoleState _role;
    private readonly long _inMemoryBytes;

    /// <param name="physicalMemory">The machine's memory in bytes (or the container's limit).</param>
    public PullSuggestion(bool slaveReadEnable, BrokerRoleState role, int accessMessageInMemoryMaxRatio, long physicalMemory)
    {
        _enabled = slaveReadEnable;
        _role = role;
        _inMemoryBytes = physicalMemory / 100 * accessMessageInMemoryMaxRatio;
    }

    public static PullSuggestion For(BrokerSettings settings, BrokerRoleState role) =>
        new(settings.SlaveReadEnable, role, settings.AccessMessageInMemoryMaxRatio, PhysicalMemory());

    /// <summary>The memory the GC sees: physical memory, or the container's limit.</summary>
    public static long PhysicalMemory() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <param name="logMaxOffset">The end of the commit log.</param>
    /// <param name="pulledPhysicalOffset">Where the last message this pull read starts in the log; null when it read none.</param>
    /// <returns>The broker id to pull from next (0: the master); null: no suggestion.</returns>
    public long? Suggest(long logMaxOffset, long? pulledPhysicalOffset)
    {
        if (!_enabled && _role.IsMaster) return null;
        bool behind = _enabled && pulledPhysicalOffset is { } pulled && logMaxOffset - pulled > _inMemoryBytes;
        return behind ? SlowConsumerBrokerId : BrokerGroupRoles.MasterId;
    }
}
