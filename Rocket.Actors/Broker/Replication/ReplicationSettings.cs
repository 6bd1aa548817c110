using Rocket.Protocol;
using Rocket.Settings;

namespace Rocket.Broker.Replication;

/// <summary>Master/slave replication settings (<c>rocket.broker.ha-*</c> and friends), RocketMQ's names and meanings.</summary>
public sealed record ReplicationSettings
{
    /// <summary>An idle master sends an empty chunk, an idle slave its offset, this often. [haSendHeartbeatInterval]</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A session silent this long is dropped by either side (the slave then says hello again). [haHousekeepingInterval]</summary>
    public TimeSpan HousekeepingInterval { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Largest chunk of commit-log bytes in one message. [haTransferBatchSize]</summary>
    public int TransferBatchSize { get; init; } = 1024 * 1024;

    /// <summary>Bytes sent to one slave and not yet acknowledged (flow control; Rocket's own, RocketMQ uses TCP's).</summary>
    public int TransferWindow { get; init; } = 8 * 1024 * 1024;

    /// <summary>A slave further behind than this does not count as in sync. [haMaxGapNotInSync]</summary>
    public long MaxGapNotInSync { get; init; } = 256L * 1024 * 1024;

    /// <summary>SYNC_MASTER: slaves that must hold a send's bytes before it is acknowledged. [minInSyncReplicas - 1]</summary>
    public int InSyncSlavesMin { get; init; } = 1;

    /// <summary>SYNC_MASTER: how long a send waits for its slaves before FLUSH_SLAVE_TIMEOUT. [slaveTimeout]</summary>
    public TimeSpan SlaveTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How often a slave copies topic configs and consumer offsets from its master (RocketMQ: every 10 s).</summary>
    public TimeSpan MetadataSyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The master role a slave takes when failover promotes it (Rocket's own); null: the replaced master's role.</summary>
    public BrokerRole? PromotedRole { get; init; }

    /// <summary>The ha-promoted-role value meaning "the role of the master this slave replaces".</summary>
    public const string SameAsMaster = "SAME_AS_MASTER";

    internal static ReplicationSettings Read(SettingsReader r)
    {
        var s = new ReplicationSettings
        {
            HeartbeatInterval = r.Duration("ha-send-heartbeat-interval"),
            HousekeepingInterval = r.Duration("ha-housekeeping-interval"),
            TransferBatchSize = r.Bytes("ha-transfer-batch-size", 4 * 1024, 4 * 1024 * 1024),
            TransferWindow = r.Bytes("ha-transfer-window", 64 * 1024, 1024 * 1024 * 1024),
            MaxGapNotInSync = r.Bytes("ha-max-gap-not-in-sync", 1024 * 1024, int.MaxValue),
            InSyncSlavesMin = r.Int("in-sync-slaves-min", 1, 16),
            SlaveTimeout = r.Duration("slave-timeout"),
            MetadataSyncInterval = r.Duration("ha-metadata-sync-interval"),
            PromotedRole = r.Text("ha-promoted-role") == SameAsMaster ? null
                : BrokerRoles.Parse(r.Text("ha-promoted-role")) is { } role && role.IsMaster() ? role
                : throw new Akka.Configuration.ConfigurationException(
                    $"rocket.broker.ha-promoted-role = \"{r.Text("ha-promoted-role")}\" is not one of {SameAsMaster}, ASYNC_MASTER, SYNC_MASTER"),
        };
        if (s.TransferWindow < s.TransferBatchSize)
            throw new Akka.Configuration.ConfigurationException(
                $"rocket.broker.ha-transfer-window = {s.TransferWindow} bytes must be at least ha-transfer-batch-size = {s.TransferBatchSize} bytes");
        if (s.HousekeepingInterval <= s.HeartbeatInterval)
            throw new Akka.Configuration.ConfigurationException(
                $"rocket.broker.ha-housekeeping-interval = {s.HousekeepingInterval} must be longer than ha-send-heartbeat-interval = {s.HeartbeatInterval}");
        return s;
    }
}
